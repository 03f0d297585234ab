import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonProblem, unixSeconds, validateEvent, type ExportableEvent, type FeatureEvent } from '../../src/events.js';
import { serializeBatch, serializeEvent } from '../../src/serialize.js';
import { feature, tracking } from './support/helpers.js';

/** Builds an event that TypeScript would refuse, to test what JavaScript callers can pass. */
function loose(event: Record<string, unknown>): ExportableEvent {
  return event as unknown as ExportableEvent;
}

/** A reference writer: Go's encoding/json for a map[string]interface{} (keys compared byte-wise in UTF-8). */
function goJson(value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map(goJson).join(',') + ']';
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + goJson(record[k])).join(',') + '}';
  }
  return JSON.stringify(value);
}

/** [1, <hole>, 3] */
function holey(): unknown[] {
  const array: unknown[] = [1];
  array[2] = 3;
  return array;
}

function cyclic(): Record<string, unknown> {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
}

describe('§2 serialization (GO Feature Flag field order, sorted keys)', () => {
  it('writes a full feature event in the Go field order', () => {
    const event: FeatureEvent = {
      metadata: { provider: 'p', reason: 'STATIC' },
      source: 'SERVER',
      version: '7',
      default: false,
      value: 'blue',
      variation: 'v1',
      key: 'color',
      creationDate: 1_700_000_123,
      userKey: 'user-1',
      contextKind: 'user',
      kind: 'feature',
    };
    assert.equal(
      serializeEvent(event),
      '{"kind":"feature","contextKind":"user","userKey":"user-1","creationDate":1700000123,"key":"color",' +
        '"variation":"v1","value":"blue","default":false,"version":"7","source":"SERVER",' +
        '"metadata":{"provider":"p","reason":"STATIC"}}',
    );
  });

  it('always writes version and source, as "" when absent', () => {
    assert.equal(
      serializeEvent(feature(1)),
      '{"kind":"feature","userKey":"u1","creationDate":1700000001,"key":"flag","variation":"on","value":true,"default":false,"version":"","source":""}',
    );
  });

  it('omits contextKind and metadata when empty (Go omitempty)', () => {
    const json = serializeEvent(feature(1, { contextKind: '', metadata: {} }));
    assert.equal(
      json,
      '{"kind":"feature","userKey":"u1","creationDate":1700000001,"key":"flag","variation":"on","value":true,"default":false,"version":"","source":""}',
    );
  });

  it('sorts map keys at every depth (metadata and objects inside value), keeps array order', () => {
    const json = serializeEvent(
      feature(1, {
        value: { zeta: [3, 1, { b: 2, a: 1 }], alpha: { y: null, x: 'x' } },
        metadata: { z: 1, a: { d: 4, c: 3 }, m: 'm' },
      }),
    );
    assert.equal(
      json,
      '{"kind":"feature","userKey":"u1","creationDate":1700000001,"key":"flag","variation":"on",' +
        '"value":{"alpha":{"x":"x","y":null},"zeta":[3,1,{"a":1,"b":2}]},"default":false,"version":"","source":"",' +
        '"metadata":{"a":{"c":3,"d":4},"m":"m","z":1}}',
    );
  });

  it('writes a tracking event in its Go field order with sorted maps', () => {
    const json = serializeEvent({
      trackingEventDetails: { total: 9.5, currency: 'EUR' },
      evaluationContext: { targetingKey: 'u9', anonymous: false },
      key: 'checkout',
      creationDate: 1_700_000_009,
      userKey: 'u9',
      contextKind: 'user',
      kind: 'tracking',
    });
    assert.equal(
      json,
      '{"kind":"tracking","contextKind":"user","userKey":"u9","creationDate":1700000009,"key":"checkout",' +
        '"evaluationContext":{"anonymous":false,"targetingKey":"u9"},"trackingEventDetails":{"currency":"EUR","total":9.5}}',
    );
  });

  it('does not send fields outside the Go struct (and does not check them)', () => {
    const json = serializeEvent(loose({ ...feature(1), extra: 10n, fn: () => 1, evaluationContext: { x: 1 } }));
    assert.equal(
      json,
      '{"kind":"feature","userKey":"u1","creationDate":1700000001,"key":"flag","variation":"on","value":true,"default":false,"version":"","source":""}',
    );
    assert.equal(validateEvent(loose({ ...feature(1), extra: 10n })), undefined);
    assert.equal(validateEvent(loose({ ...tracking(1), value: 10n, variation: 3 })), undefined);
  });

  it('escapes strings as JSON and writes UTF-8 bytes', () => {
    const { body } = serializeBatch({ hostname: 'h' }, [feature(1, { userKey: 'é"\\\n☃😀' })]);
    const text = body.toString('utf8');
    assert.ok(text.includes('"userKey":"é\\"\\\\\\n☃😀"'), text);
    assert.deepEqual(JSON.parse(text).events[0].userKey, 'é"\\\n☃😀');
    assert.equal(body.length, Buffer.byteLength(text, 'utf8'));
  });

  it('serializeBatch writes {"meta":{sorted},"events":[...]} as one Buffer and leaves invalid events out', () => {
    const batch = serializeBatch({ zone: 'eu', hostname: 'host-1', app: 'shop' }, [
      feature(1),
      loose({ ...feature(2), creationDate: 1.5 }),
      tracking(3),
    ]);
    assert.ok(Buffer.isBuffer(batch.body));
    assert.equal(batch.eventCount, 2);
    assert.equal(batch.invalid, 1);
    assert.equal(
      batch.body.toString('utf8'),
      '{"meta":{"app":"shop","hostname":"host-1","zone":"eu"},"events":[' +
        '{"kind":"feature","userKey":"u1","creationDate":1700000001,"key":"flag","variation":"on","value":true,"default":false,"version":"","source":""},' +
        '{"kind":"tracking","userKey":"u3","creationDate":1700000003,"key":"checkout","evaluationContext":{"targetingKey":"u3"},"trackingEventDetails":{"amount":3}}' +
        ']}',
    );
  });

  it('serializeBatch of an empty batch is still a valid body', () => {
    assert.equal(serializeBatch({}, []).body.toString(), '{"meta":{},"events":[]}');
  });

  it('sorts keys as Go does, by UTF-8 bytes (astral characters after U+E000-U+FFFF)', () => {
    // UTF-16 order would put the emoji (a surrogate pair) before U+FF01; Go's byte order puts it after.
    const json = serializeEvent(feature(1, { metadata: { '\u{1F600}': 1, '\uFF01': 2, a: 3 } }));
    assert.ok(json?.endsWith('"metadata":{"a":3,"\uFF01":2,"\u{1F600}":1}}'), json);
    const many: Record<string, number> = {};
    for (let i = 0; i < 40; i++) many[`k${String(i).padStart(2, '0')}`] = i;
    many['\u{1F600}'] = 98;
    many['\uFF01'] = 99;
    const big = serializeEvent(feature(1, { value: many }));
    assert.ok(big?.includes(',"k39":39,"\uFF01":99,"\u{1F600}":98}'), big);
  });

  it('property: any JSON value is written as Go writes it (keys in UTF-8 byte order at every depth)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => {
        const json = serializeEvent(feature(1, { value }));
        assert.ok(json !== undefined);
        assert.equal(validateEvent(feature(1, { value })), undefined);
        assert.equal(
          json,
          '{"kind":"feature","userKey":"u1","creationDate":1700000001,"key":"flag","variation":"on","value":' +
            goJson(value) +
            ',"default":false,"version":"","source":""}',
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('§2 validation', () => {
  const valid: Array<[string, ExportableEvent]> = [
    ['a minimal feature event', feature(1)],
    ['a full feature event', feature(1, { contextKind: 'anonymousUser', version: '2', source: 'SERVER', metadata: { a: [1, 'b', null] } })],
    ['a feature event whose value is null', feature(1, { value: null })],
    ['a minimal tracking event', tracking(1)],
  ];
  for (const [name, event] of valid) {
    it(`accepts ${name}`, () => {
      assert.equal(validateEvent(event), undefined);
      assert.ok(serializeEvent(event) !== undefined);
    });
  }

  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a kind other than feature/tracking', { ...feature(1), kind: 'custom' }, /kind/],
    ['a missing userKey', { ...feature(1), userKey: undefined }, /userKey/],
    ['a numeric userKey', { ...feature(1), userKey: 42 }, /userKey/],
    ['a missing key', { ...feature(1), key: undefined }, /key/],
    ['a fractional creationDate', { ...feature(1), creationDate: 1.5 }, /creationDate/],
    ['a string creationDate', { ...feature(1), creationDate: '1700000000' }, /creationDate/],
    ['a missing variation', { ...feature(1), variation: undefined }, /variation/],
    ['a non-boolean default', { ...feature(1), default: 'false' }, /default/],
    ['an undefined value', { ...feature(1), value: undefined }, /value/],
    ['a numeric contextKind', { ...feature(1), contextKind: 1 }, /contextKind/],
    ['a numeric version', { ...feature(1), version: 3 }, /version/],
    ['a null version', { ...feature(1), version: null }, /version/],
    ['a boolean source', { ...feature(1), source: true }, /source/],
    ['an array metadata', { ...feature(1), metadata: ['a'] }, /metadata/],
    ['a BigInt value', { ...feature(1), value: 10n }, /value/],
    ['a function value', { ...feature(1), value: () => 1 }, /value/],
    ['a symbol value', { ...feature(1), value: Symbol('s') }, /value/],
    ['undefined inside an object', { ...feature(1), value: { a: undefined } }, /value\.a/],
    ['undefined inside an array', { ...feature(1), value: [1, undefined] }, /value\[1\]/],
    ['a hole in an array', { ...feature(1), value: holey() }, /value\[1\]/],
    ['NaN', { ...feature(1), value: Number.NaN }, /NaN/],
    ['Infinity in metadata', { ...feature(1), metadata: { n: Number.POSITIVE_INFINITY } }, /metadata\.n/],
    ['-Infinity', { ...feature(1), value: [Number.NEGATIVE_INFINITY] }, /Infinity/],
    ['a cycle', { ...feature(1), value: cyclic() }, /cycle/],
    ['a BigInt in metadata', { ...feature(1), metadata: { n: 1n } }, /metadata/],
    ['a tracking event without evaluationContext', { ...tracking(1), evaluationContext: undefined }, /evaluationContext/],
    ['a tracking event with array trackingEventDetails', { ...tracking(1), trackingEventDetails: [] }, /trackingEventDetails/],
    ['a tracking event with a BigInt detail', { ...tracking(1), trackingEventDetails: { n: 5n } }, /trackingEventDetails/],
    ['a tracking event with a cycle in its context', { ...tracking(1), evaluationContext: cyclic() }, /cycle/],
    ['not an object', { length: 0 }, /kind/],
  ];
  for (const [name, event, reason] of invalid) {
    it(`rejects ${name}, and the serializer leaves it out too`, () => {
      const problem = validateEvent(event);
      assert.ok(problem !== undefined, 'validateEvent should reject it');
      assert.match(problem, reason);
      assert.equal(serializeEvent(loose(event)), undefined, 'serializeEvent must agree with validateEvent');
    });
  }

  it('rejects non-objects', () => {
    for (const value of [null, undefined, 'feature', 1, [feature(1)]]) assert.ok(validateEvent(value) !== undefined);
  });

  it('never quotes a value in its reason', () => {
    const problem = validateEvent({ ...feature(1), userKey: 918273645 });
    assert.ok(problem !== undefined && !problem.includes('918273645'), problem);
  });

  it('jsonProblem names the path of the first problem and accepts shared (non-cyclic) references', () => {
    const shared = { x: 1 };
    assert.equal(jsonProblem({ a: shared, b: shared, c: [shared] }, 'v'), undefined);
    assert.equal(jsonProblem({ a: { b: [0, 1n] } }, 'v'), 'v.a.b[1] is a bigint, which JSON cannot carry');
  });

  it('unixSeconds gives whole seconds', () => {
    assert.equal(unixSeconds(1_700_000_000_999), 1_700_000_000);
    assert.equal(unixSeconds(new Date(1_700_000_000_001)), 1_700_000_000);
    assert.ok(Number.isInteger(unixSeconds()));
    assert.ok(Math.abs(unixSeconds() - Date.now() / 1000) < 2);
  });
});
