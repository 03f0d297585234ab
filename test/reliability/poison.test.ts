import assert from 'node:assert/strict';
import { BatchProcessor } from '../../src/batch-processor.js';
import { validateEvent, type ExportableEvent } from '../../src/events.js';
import { serializeBatch, serializeEvent } from '../../src/serialize.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import { assertAccounting } from './support/accounting.js';
import { captureDiag } from './support/diag-capture.js';
import { featureEvent, userKeysOf } from './support/events.js';
import { FaultServer } from './support/fault-server.js';

/** An event the type system would refuse: poison arrives from plain JavaScript callers. */
type Poison = { label: string; event: unknown };

const TOO_BIG_ALONE = 'too-big-even-alone';

function feature(overrides: Record<string, unknown>): Record<string, unknown> {
  return { ...featureEvent('poison'), ...overrides };
}

function tracking(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    kind: 'tracking',
    userKey: 'poison',
    creationDate: 1_700_000_000,
    key: 'checkout',
    evaluationContext: { plan: 'pro' },
    trackingEventDetails: { amount: 12 },
    ...overrides,
  };
}

function without(event: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...event };
  delete copy[field];
  return copy;
}

/** Values JSON cannot carry faithfully (SPEC §2), each in a fresh container per use. */
function unfaithfulValues(): Array<{ label: string; make: () => unknown }> {
  return [
    { label: 'a BigInt', make: () => 10n },
    {
      label: 'a cycle',
      make: () => {
        const node: Record<string, unknown> = { name: 'loop' };
        node.self = { back: node };
        return node;
      },
    },
    { label: 'a function', make: () => () => 'hi' },
    { label: 'a symbol', make: () => Symbol('s') },
    { label: 'NaN', make: () => NaN },
    { label: 'Infinity', make: () => Infinity },
    { label: '-Infinity', make: () => -Infinity },
  ];
}

function poisons(): Poison[] {
  const list: Poison[] = [
    { label: 'null instead of an event', event: null },
    { label: 'a string instead of an event', event: 'event' },
    { label: 'an array instead of an event', event: [featureEvent('x')] },
    { label: 'kind missing', event: without(feature({}), 'kind') },
    { label: 'kind unknown', event: feature({ kind: 'evaluation' }) },
    { label: 'userKey missing', event: without(feature({}), 'userKey') },
    { label: 'userKey a number', event: feature({ userKey: 42 }) },
    { label: 'key missing', event: without(feature({}), 'key') },
    { label: 'key null', event: feature({ key: null }) },
    { label: 'creationDate missing', event: without(feature({}), 'creationDate') },
    { label: 'creationDate fractional', event: feature({ creationDate: 1_700_000_000.5 }) },
    { label: 'creationDate a string', event: feature({ creationDate: '1700000000' }) },
    { label: 'creationDate NaN', event: feature({ creationDate: NaN }) },
    // Go reads creationDate as an int64: these would reach it as 1e+21 or a rounded 2^63 and fail the batch.
    { label: 'creationDate 1e21', event: feature({ creationDate: 1e21 }) },
    { label: 'creationDate 2^63', event: feature({ creationDate: 2 ** 63 }) },
    { label: 'creationDate past MAX_SAFE_INTEGER', event: feature({ creationDate: Number.MAX_SAFE_INTEGER + 1 }) },
    { label: 'tracking creationDate 1e21', event: tracking({ creationDate: 1e21 }) },
    { label: 'variation missing', event: without(feature({}), 'variation') },
    { label: 'variation a number', event: feature({ variation: 1 }) },
    { label: 'default missing', event: without(feature({}), 'default') },
    { label: 'default a string', event: feature({ default: 'false' }) },
    { label: 'value missing', event: without(feature({}), 'value') },
    { label: 'value undefined', event: feature({ value: undefined }) },
    { label: 'contextKind a number', event: feature({ contextKind: 5 }) },
    { label: 'version a number', event: feature({ version: 3 }) },
    { label: 'source an object', event: feature({ source: {} }) },
    { label: 'metadata a string', event: feature({ metadata: 'meta' }) },
    { label: 'metadata an array', event: feature({ metadata: ['a'] }) },
    { label: 'evaluationContext missing', event: without(tracking({}), 'evaluationContext') },
    { label: 'evaluationContext an array', event: tracking({ evaluationContext: [] }) },
    { label: 'evaluationContext null', event: tracking({ evaluationContext: null }) },
    { label: 'trackingEventDetails missing', event: without(tracking({}), 'trackingEventDetails') },
    { label: 'trackingEventDetails a string', event: tracking({ trackingEventDetails: 'x' }) },
    { label: 'undefined inside value', event: feature({ value: { a: 1, b: undefined } }) },
    { label: 'undefined inside a value array', event: feature({ value: [1, undefined, 3] }) },
    // eslint-disable-next-line no-sparse-arrays
    { label: 'a hole inside a value array', event: feature({ value: [1, , 3] }) },
    { label: 'undefined inside metadata', event: feature({ metadata: { reason: undefined } }) },
    { label: 'undefined inside evaluationContext', event: tracking({ evaluationContext: { plan: undefined } }) },
    { label: 'undefined inside trackingEventDetails', event: tracking({ trackingEventDetails: { items: [undefined] } }) },
  ];
  for (const { label, make } of unfaithfulValues()) {
    list.push(
      { label: `value is ${label}`, event: feature({ value: make() }) },
      { label: `${label} deep inside value`, event: feature({ value: { a: [{ b: make() }] } }) },
      { label: `${label} inside metadata`, event: feature({ metadata: { nested: { x: make() } } }) },
      { label: `${label} inside evaluationContext`, event: tracking({ evaluationContext: { list: [make()] } }) },
      { label: `${label} inside trackingEventDetails`, event: tracking({ trackingEventDetails: { n: make() } }) },
    );
  }
  return list;
}

/** Hostile objects beyond SPEC §2's list: reading them throws, or they nest past any stack. */
function hostile(): Poison[] {
  const throwingGetter = featureEvent('getter');
  Object.defineProperty(throwingGetter, 'value', {
    enumerable: true,
    get() {
      throw new Error('getter exploded');
    },
  });
  const throwingProxy = new Proxy(featureEvent('proxy'), {
    get() {
      throw new Error('proxy exploded');
    },
  });
  let deep: unknown = 'bottom';
  for (let i = 0; i < 200_000; i++) deep = [deep];
  return [
    { label: 'a getter that throws', event: throwingGetter },
    { label: 'a Proxy that throws on every read', event: throwingProxy },
    { label: 'a value nested 200,000 deep', event: feature({ value: deep }) },
  ];
}

describe('poison events: each is dropped alone and counted, its neighbours are delivered', function () {
  this.timeout(10_000);

  let server: FaultServer;
  let restoreDiag: () => void;

  beforeEach(async () => {
    server = await new FaultServer({
      decide: ({ body }) => {
        const keys = userKeysOf(body!) ?? [];
        return keys.includes(TOO_BIG_ALONE) ? { kind: 'answer', status: 413 } : { kind: 'answer', status: 200 };
      },
    }).start();
  });

  afterEach(async () => {
    restoreDiag?.();
    await server.close();
  });

  /** Runs `events` through a processor and a real webhook; returns what the endpoint accepted, in order. */
  async function deliver(events: unknown[], maxBatchSize: number) {
    const { capture, restore } = captureDiag();
    restoreDiag = restore;
    const processor = new BatchProcessor(new WebhookExporter({ endpointUrl: server.url, timeout: 2_000, maxRetries: 0 }), {
      maxBatchSize,
      maxEventInMemory: 10_000,
      exportTimeout: 5_000,
    });
    for (const event of events) processor.add(event as ExportableEvent);
    await processor.forceFlush();
    const stats = processor.stats();
    assertAccounting(stats, 40_000, 'after the flush');
    await processor.shutdown();
    const acceptedKeys = server.received
      .filter((request) => request.fault.kind === 'answer' && request.fault.status === 200)
      .flatMap((request) => userKeysOf(request.body!) ?? []);
    return { stats, acceptedKeys, capture };
  }

  /** Valid events named n0, n1, ... with one poison after each. */
  function interleave(list: Poison[]): { events: unknown[]; validKeys: string[] } {
    const events: unknown[] = [];
    const validKeys: string[] = [];
    list.forEach((poison, index) => {
      validKeys.push(`n${index}`);
      events.push(featureEvent(`n${index}`), poison.event);
    });
    validKeys.push('last');
    events.push(featureEvent('last'));
    return { events, validKeys };
  }

  it('drops every invalid kind of SPEC §2 alone, in value, metadata, evaluationContext and trackingEventDetails', async () => {
    const list = poisons();
    assert.ok(list.length >= 70, `${list.length} poisons`);
    const { events, validKeys } = interleave(list);
    const { stats, acceptedKeys, capture } = await deliver(events, 16);
    assert.deepEqual(acceptedKeys, validKeys, 'every neighbour delivered once, in order');
    assert.equal(stats.dropped.invalid, list.length);
    assert.equal(stats.delivered, validKeys.length);
    assert.equal(stats.failedExports, 0, 'a poison never fails its batch');
    assert.ok(capture.matching('warn', /invalid event/).length > 0, 'the drops are reported in diag');
  });

  it('checks only fields that are sent: junk in other fields is delivered', async () => {
    const junk = { ...featureEvent('extra-fields'), extra: 10n, callback: () => 1, nested: { x: NaN } };
    const tracked = { ...tracking({ userKey: 'tracking-extra' }), value: Symbol('not sent'), variation: 5 };
    const { stats, acceptedKeys } = await deliver([junk, tracked], 10);
    assert.deepEqual(acceptedKeys, ['extra-fields', 'tracking-extra']);
    assert.equal(stats.dropped.invalid, 0);
  });

  it('drops an event the endpoint answers 413 to even alone, and delivers its neighbours', async () => {
    const events = Array.from({ length: 13 }, (_, i) => featureEvent(i === 6 ? TOO_BIG_ALONE : `k${i}`));
    const { stats, acceptedKeys, capture } = await deliver(events, 13);
    assert.deepEqual(acceptedKeys, events.map((event) => event.userKey).filter((key) => key !== TOO_BIG_ALONE));
    assert.equal(stats.dropped.invalid, 1);
    assert.equal(stats.failedExports, 0, 'a 413 is not a failure');
    assert.equal(capture.matching('warn', /413/).length, 1);
    // 13 → 7 + 6 → the 7 splits 4 + 3 → the 3 splits 2 + 1 → the 1 with the poison... every split got a new id.
    const ids = server.received.map((request) => request.webhookId);
    assert.equal(new Set(ids).size, ids.length, 'each 413 half is a new batch with a new id');
  });

  it('drops hostile events that throw when read or nest past the stack, without losing count', async () => {
    const list = hostile();
    const { events, validKeys } = interleave(list);
    const { stats, acceptedKeys } = await deliver(events, 100);
    assert.deepEqual(acceptedKeys, validKeys);
    assert.equal(stats.dropped.invalid, list.length);
    assert.equal(stats.failedExports, 0);
  });

  it('judges a value by what its toJSON returns, as the serializer does: a throwing or unfaithful toJSON is dropped and counted', async () => {
    class ExplodingJson {
      toJSON(): never {
        throw new Error('toJSON exploded');
      }
    }
    class BigIntJson {
      toJSON(): unknown {
        return { amount: 10n };
      }
    }
    class Money {
      toJSON(): unknown {
        return { amount: 10, currency: 'EUR' };
      }
    }
    const events = [
      featureEvent('before'),
      featureEvent('exploding', { value: new ExplodingJson() }),
      featureEvent('bigint-json', { value: { nested: [new BigIntJson()] } }),
      featureEvent('date', { value: new Date(0), metadata: { at: new Date(0) } }),
      featureEvent('money', { value: new Money() }),
      featureEvent('after'),
    ];
    assert.doesNotThrow(() => serializeBatch({}, events), 'serializeBatch leaves an event out instead of throwing');
    const { stats, acceptedKeys } = await deliver(events, 10);
    assert.equal(stats.failedExports, 0, 'the batch was not failed (and so not retried forever)');
    assert.deepEqual(acceptedKeys, ['before', 'date', 'money', 'after']);
    assert.equal(stats.dropped.invalid, 2, 'left out of the body means counted, not "delivered"');
    assert.equal(stats.delivered, 4);
  });

  it('the processor and the serializer agree on every poison and hostile event', () => {
    for (const { label, event } of [...poisons(), ...hostile()]) {
      let problem: string | undefined;
      try {
        problem = validateEvent(event);
      } catch {
        problem = 'throws';
      }
      assert.notEqual(problem, undefined, `${label} is invalid`);
      assert.equal(serializeEvent(event as ExportableEvent), undefined, `${label} is left out by the serializer`);
    }
  });
});
