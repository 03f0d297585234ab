import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeSlice } from '../../src/encoded-slice.js';
import { EventEncoder } from '../../src/event-encoder.js';
import { isPlainFeatureEvent } from '../../src/plain-feature-event.js';
import { serializeBatch } from '../../src/serialize.js';

/** What the walker alone writes for each event, undefined when it refuses one. */
function walked(events: readonly unknown[]): (string | undefined)[] {
  return events.map((event) => new EventEncoder().encode(event));
}

/** The slice's events as text, undefined where it refused one. */
function sliced(events: readonly unknown[]): (string | undefined)[] {
  const slice = encodeSlice(new EventEncoder(), events);
  return events.map((_, i) => (slice.starts[i] === -1 ? undefined : slice.bytes.subarray(slice.starts[i], slice.ends[i]).toString('utf8')));
}

function plain(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'feature',
    contextKind: 'user',
    userKey: `user-${i}`,
    creationDate: 1_767_225_600 + i,
    key: `flag-${i % 7}`,
    variation: i % 2 ? 'on' : 'off',
    value: i % 2 === 1,
    default: false,
    version: '',
    source: 'SERVER',
    metadata: { provider: 'p', reason: 'STATIC' },
    ...extra,
  };
}

const text = fc.string({ unit: 'binary', maxLength: 12 });
const primitive = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined));
/** Events near the fast path's edge: right and wrong types, orders, extra and missing fields, maps of any kind. */
const edgeEvent = fc
  .record(
    {
      kind: fc.constantFrom('feature', 'tracking', 'other'),
      contextKind: fc.oneof(text, fc.constant('')),
      userKey: fc.oneof(text, fc.integer()),
      creationDate: fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.double(), fc.constant(2 ** 60)),
      key: text,
      variation: text,
      value: fc.oneof(primitive, fc.dictionary(text, primitive, { maxKeys: 3 }), fc.bigInt()),
      default: fc.oneof(fc.boolean(), fc.constant(0)),
      version: fc.oneof(text, fc.constant(undefined)),
      source: fc.oneof(text, fc.constant(undefined)),
      metadata: fc.oneof(fc.dictionary(text, primitive, { maxKeys: 4 }), fc.dictionary(text, fc.dictionary(text, primitive), { maxKeys: 2 })),
      extra: primitive,
    },
    { requiredKeys: ['kind', 'userKey', 'creationDate'] },
  )
  .chain((event) => fc.shuffledSubarray(Object.keys(event), { minLength: Object.keys(event).length }).map((order) => ({ event, order })))
  .map(({ event, order }) => {
    // Sometimes the Go order, sometimes another: key order decides the fast path.
    const out: Record<string, unknown> = {};
    const keys = order.length % 2 === 0 ? Object.keys(event) : order;
    for (const key of keys) out[key] = (event as Record<string, unknown>)[key];
    return out;
  });

describe('encodeSlice: runs of plain feature events through JSON.stringify', () => {
  it('accepts the events our adapters build, and JSON.stringify then writes the walker\'s bytes', () => {
    const event = plain(1);
    assert.equal(isPlainFeatureEvent(event), true);
    assert.equal(JSON.stringify(event), new EventEncoder().encode(event));
    assert.equal(isPlainFeatureEvent(plain(1, { contextKind: undefined })), true);
  });

  it('declines what JSON.stringify would write differently', () => {
    const declined: Record<string, unknown>[] = [
      { ...plain(1), version: undefined }, // Go writes "" for an absent version
      (({ version: _, ...rest }) => rest)(plain(1)),
      plain(1, { contextKind: '' }), // left out by the walker, written by stringify
      plain(1, { metadata: {} }),
      plain(1, { metadata: { reason: 'STATIC', provider: 'p' } }), // not in Go's order
      plain(1, { metadata: { '10': 1, '9': 2 } }), // integer-like keys iterate numerically, Go sorts bytes
      plain(1, { metadata: { a: { b: 1 } } }),
      plain(1, { value: { a: 1 } }),
      plain(1, { value: Number.NaN }),
      plain(1, { extra: 1 }),
      { key: 'k', ...plain(1) },
      Object.assign(Object.create({ toJSON: () => 'x' }), plain(1)),
    ];
    for (const event of declined) assert.equal(isPlainFeatureEvent(event), false, JSON.stringify(Object.keys(event)));
  });

  it('gives each event the walker\'s exact bytes, refusing the same ones (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(edgeEvent, fc.nat(50).map((i) => plain(i))), { maxLength: 40 }), (events) => {
        assert.deepEqual(sliced(events), walked(events));
        const slice = encodeSlice(new EventEncoder(), events);
        assert.equal(slice.bytes.toString('utf8'), walked(events).filter((t) => t !== undefined).join(','));
        assert.equal(slice.invalid, walked(events).filter((t) => t === undefined).length);
      }),
      { numRuns: 400 },
    );
  });

  it('cuts long runs, and places non-ASCII text and walked events between them by bytes', () => {
    const events: unknown[] = Array.from({ length: 300 }, (_, i) => plain(i));
    events[3] = plain(3, { userKey: 'é€😀\ud800' });
    events[129] = plain(129, { value: { b: 1, a: [1, 2] } });
    events[200] = { bad: true };
    events[201] = plain(201, { value: 10n });
    assert.deepEqual(sliced(events), walked(events));
    const slice = encodeSlice(new EventEncoder(), events);
    assert.equal(slice.invalid, 2);
    assert.equal(slice.problem, "kind must be 'feature' or 'tracking'");
  });

  it('falls back to the walker when an accessor answers differently the second time', () => {
    let reads = 0;
    const shifty = plain(2);
    Object.defineProperty(shifty, 'value', { enumerable: true, get: () => (++reads > 1 ? [{ kind: 'feature' }, { kind: 'feature' }] : true) });
    const events = [plain(1), shifty, plain(3)];
    const texts = sliced(events);
    assert.equal(texts.length, 3);
    assert.equal(texts[0], new EventEncoder().encode(plain(1)));
    assert.equal(texts[2], new EventEncoder().encode(plain(3)));
    // The walker read the accessor last: what it wrote is what the slice holds.
    assert.match(texts[1]!, /"value":\[\{"kind":"feature"\},\{"kind":"feature"\}\]/);
  });

  it('an empty slice is empty; serializeBatch frames the events as one body', () => {
    assert.equal(encodeSlice(new EventEncoder(), []).bytes.length, 0);
    assert.equal(serializeBatch({ a: 'b' }, []).body.toString(), '{"meta":{"a":"b"},"events":[]}');
    const body = serializeBatch({ a: 'b' }, [plain(1) as never, { bad: 1 } as never, plain(2) as never]);
    assert.equal(body.body.toString(), `{"meta":{"a":"b"},"events":[${walked([plain(1), plain(2)]).join(',')}]}`);
    assert.equal(body.invalid, 1);
  });
});
