import assert from 'node:assert/strict';
import { batchIdOf } from '../../src/batch-id.js';
import { BatchProcessor, type BatchProcessorOptions } from '../../src/batch-processor.js';
import type { ExportableEvent } from '../../src/events.js';
import { serializeBatch } from '../../src/serialize.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import { OK, failure, assertAccounting, features, keysOf, readBody, startServer, FakeExporter, type TestServer } from './support/helpers.js';

/** Set by afterEach: from then on every export is answered at once, so shutdown() ends. */
let answerAll = false;

/** A FakeExporter that also records what it was asked to prepare. */
class PreparingExporter extends FakeExporter {
  readonly prepared: ExportableEvent[][] = [];
  constructor() {
    super(() => (answerAll ? OK : undefined));
  }
  prepare(batch: ExportableEvent[]): void {
    this.prepared.push(batch);
  }
}

/** One turn of the event loop. */
const oneTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The next batch is formed on the turn after an export started (its request goes first), and prepared on the turn after. */
const nextTurn = async (): Promise<void> => {
  await oneTurn();
  await oneTurn();
};

function addAll(processor: BatchProcessor, events: ExportableEvent[]): void {
  for (const event of events) processor.add(event);
}

describe('BatchProcessor: the next batch is formed and encoded while one is in flight (exporter.prepare)', () => {
  const processors: BatchProcessor[] = [];
  const make = (exporter: FakeExporter, options: BatchProcessorOptions): BatchProcessor => {
    const processor = new BatchProcessor(exporter, { flushInterval: 3_600_000, ...options });
    processors.push(processor);
    return processor;
  };
  beforeEach(() => {
    answerAll = false;
  });
  afterEach(async () => {
    answerAll = true;
    for (const processor of processors.splice(0)) {
      const exporter = (processor as unknown as { exporter: FakeExporter }).exporter;
      for (const call of exporter.calls) if (!call.answered) call.respond(OK);
      await processor.shutdown();
    }
  });

  it('prepares the next batch of the same pass, then exports that very array (same id), still one at a time', async () => {
    const exporter = new PreparingExporter();
    const processor = make(exporter, { maxEventInMemory: 10, maxBatchSize: 5, maxBufferedEvents: 100 });
    addAll(processor, features(1, 10));
    await exporter.whenCalls(1);
    await nextTurn();
    assert.deepEqual(keysOf(exporter.calls[0]!.batch), ['u1', 'u2', 'u3', 'u4', 'u5']);
    assert.equal(exporter.prepared.length, 1);
    const ahead = exporter.prepared[0]!;
    assert.deepEqual(keysOf(ahead), ['u6', 'u7', 'u8', 'u9', 'u10']);
    const id = batchIdOf(ahead);
    assert.ok(id !== undefined && id !== batchIdOf(exporter.calls[0]!.batch));
    assert.deepEqual(processor.stats(), {
      ...processor.stats(),
      pending: 5,
      inFlight: 5,
    });
    assertAccounting(processor, 'with a batch formed ahead');

    exporter.calls[0]!.respond(OK);
    await exporter.whenCalls(2);
    assert.equal(exporter.calls[1]!.batch, ahead, 'the prepared array itself is exported');
    assert.equal(batchIdOf(exporter.calls[1]!.batch), id);
    exporter.calls[1]!.respond(OK);
    await processor.forceFlush();
    assert.equal(exporter.maxConcurrent, 1);
    assert.equal(processor.stats().delivered, 10);
  });

  it("forms the next batch after the export's own promise work, so that batch's request goes out first", async () => {
    const order: string[] = [];
    // An HTTP client starts its request a few promise steps into export(), as axios does.
    class RequestingExporter extends PreparingExporter {
      override export(...args: Parameters<FakeExporter['export']>): void {
        super.export(...args);
        void Promise.resolve()
          .then(() => undefined)
          .then(() => order.push(`request ${args[0][0]!.userKey}`));
      }
    }
    const exporter = new RequestingExporter();
    const processor = make(exporter, { maxEventInMemory: 10, maxBatchSize: 5, maxBufferedEvents: 100 });
    const events = features(1, 10);
    const sixth = events[5]!;
    const variation = sixth.variation;
    Object.defineProperty(sixth, 'variation', { enumerable: true, get: () => (order.push('encode u6'), variation) });
    addAll(processor, events);
    await exporter.whenCalls(1);
    await nextTurn();
    assert.deepEqual(keysOf(exporter.prepared[0]!), ['u6', 'u7', 'u8', 'u9', 'u10']);
    assert.equal(order[0], 'request u1', `the first request went out before the next batch was encoded: ${order.join(', ')}`);
    assert.ok(order.includes('encode u6'));
  });

  it('forms a full batch of events added during the flight for the next pass; forceFlush still ends', async () => {
    const exporter = new PreparingExporter();
    const processor = make(exporter, { maxEventInMemory: 5, maxBatchSize: 5, maxBufferedEvents: 100 });
    addAll(processor, features(1, 5));
    await exporter.whenCalls(1);
    const flushed = processor.forceFlush();
    addAll(processor, features(6, 10)); // reaches maxEventInMemory while the first batch is in flight
    await nextTurn();
    await nextTurn();
    assert.deepEqual(exporter.prepared.map(keysOf), [['u6', 'u7', 'u8', 'u9', 'u10']]);
    assertAccounting(processor, 'formed for the next pass');
    exporter.calls[0]!.respond(OK);
    await exporter.whenCalls(2);
    assert.equal(exporter.calls[1]!.batch, exporter.prepared[0]);
    exporter.calls[1]!.respond(OK);
    await flushed;
    assert.equal(processor.stats().delivered, 10);
  });

  it('rule 4: past the cap, a batch formed ahead but never sent is trimmed to exactly the excess, under a new id', async () => {
    const exporter = new PreparingExporter();
    const processor = make(exporter, { maxEventInMemory: 4, maxBatchSize: 4, maxBufferedEvents: 10 });
    addAll(processor, features(1, 8));
    await exporter.whenCalls(1);
    await nextTurn();
    const ahead = exporter.prepared[0]!;
    assert.deepEqual(keysOf(ahead), ['u5', 'u6', 'u7', 'u8']);
    addAll(processor, features(9, 13)); // 4 in flight + 4 formed + 5 queued = 13: 3 over the cap of 10
    const stats = processor.stats();
    assert.equal(stats.dropped.overflow, 3);
    assert.equal(stats.pending + stats.inFlight, 10);
    assertAccounting(processor, 'after trimming');
    exporter.calls[0]!.respond(OK);
    await exporter.whenCalls(2);
    const sent = exporter.calls[1]!.batch;
    assert.deepEqual(keysOf(sent), ['u8'], 'the oldest three of the formed batch were dropped, and only them');
    assert.notEqual(sent, ahead);
    assert.notEqual(batchIdOf(sent), batchIdOf(ahead), 'a trimmed batch is a new batch with a new id');
  });

  it('encodes nothing ahead while the endpoint fails; again once an export succeeds', async () => {
    const exporter = new PreparingExporter();
    const processor = make(exporter, { maxEventInMemory: 4, maxBatchSize: 2, maxBufferedEvents: 100 });
    addAll(processor, features(1, 4));
    await exporter.whenCalls(1);
    exporter.calls[0]!.respond(failure()); // before the scheduled prepare ran: the failed batch is first again
    await nextTurn();
    assert.equal(exporter.prepared.length, 0);
    const flushed = processor.forceFlush();
    await exporter.whenCalls(2);
    await nextTurn();
    assert.equal(exporter.prepared.length, 0, 'no encoding ahead while failing');
    exporter.calls[1]!.respond(OK);
    await exporter.whenCalls(3);
    exporter.calls[2]!.respond(OK);
    await flushed;
    assert.equal(processor.stats().delivered, 4);
    addAll(processor, features(5, 8));
    await exporter.whenCalls(4);
    await nextTurn();
    assert.deepEqual(exporter.prepared.map(keysOf), [['u7', 'u8']], 'pipelining resumes after a success');
  });

  it('an exporter without prepare() is never asked to', async () => {
    const exporter = new FakeExporter(() => OK);
    const processor = make(exporter, { maxEventInMemory: 6, maxBatchSize: 3, maxBufferedEvents: 100 });
    addAll(processor, features(1, 6));
    await processor.forceFlush();
    assert.deepEqual(exporter.batches(), [
      ['u1', 'u2', 'u3'],
      ['u4', 'u5', 'u6'],
    ]);
  });
});

describe('WebhookExporter: the bytes and the id come from the processor', () => {
  let server: TestServer;
  const bodies: Buffer[] = [];
  const ids: Array<string | string[] | undefined> = [];
  before(async () => {
    server = await startServer(async (req, res) => {
      ids.push(req.headers['webhook-id']);
      bodies.push(await readBody(req));
      res.writeHead(204).end();
    });
  });
  after(() => server.close());

  it('sends the encoded events it is given under the given batchId; used alone, encodes itself with a new id per call', async () => {
    const exporter = new WebhookExporter({ endpointUrl: server.url, meta: { hostname: 'h' } });
    const batch = features(1, 3);
    const expected = serializeBatch({ hostname: 'h' }, batch).body;
    const array = expected.subarray(expected.indexOf('"events":') + '"events":'.length, expected.length - 1);
    const encoded = { chunks: [array.subarray(0, 5), array.subarray(5)], byteLength: array.length };
    const result = await new Promise((resolve) => exporter.export(batch, resolve, { batchId: 'batch-1', encoded }));
    assert.deepEqual(result, OK);
    assert.deepEqual(bodies.at(-1), expected);
    assert.equal(ids.at(-1), 'batch-1');
    // Used alone, each export call is a batch of its own: a new id even for the same array.
    await new Promise((resolve) => exporter.export(batch, resolve));
    await new Promise((resolve) => exporter.export(batch, resolve));
    assert.equal(ids.length, 3);
    assert.notEqual(ids[1], ids[2]);
    assert.deepEqual(bodies.at(-1), expected);
    assert.equal(batchIdOf(batch), undefined);
    await exporter.shutdown();
  });
});

describe('serializer caches never change the bytes', () => {
  it('a map changed after its JSON was cached is written as it is now', () => {
    const metadata: Record<string, unknown> = { provider: 'p', reason: 'STATIC' };
    const event = { ...features(1, 1)[0]!, metadata };
    const first = serializeBatch({}, [event]).body.toString();
    assert.match(first, /"metadata":\{"provider":"p","reason":"STATIC"\}/);
    metadata.reason = 'TARGETING_MATCH';
    metadata.extra = 1;
    const second = serializeBatch({}, [event]).body.toString();
    assert.match(second, /"metadata":\{"extra":1,"provider":"p","reason":"TARGETING_MATCH"\}/);
    delete metadata.extra;
    metadata.reason = 'STATIC';
    assert.equal(serializeBatch({}, [event]).body.toString(), first);
  });

  it('events of one flag that differ in any repeated field each keep their own bytes', () => {
    const base = features(1, 1)[0]!;
    const variants: ExportableEvent[] = [
      base,
      { ...base, variation: 'off' },
      { ...base, value: false },
      { ...base, value: 'true' },
      { ...base, value: 1 },
      { ...base, value: null },
      { ...base, default: true },
      { ...base, version: '2' },
      { ...base, source: 'CLIENT' },
      { ...base, metadata: { a: 1 } },
      { ...base, metadata: { a: '1' } },
      { ...base, metadata: {} },
    ];
    const once = variants.map((event) => serializeBatch({}, [event]).body.toString());
    const again = variants.map((event) => serializeBatch({}, [event]).body.toString());
    assert.deepEqual(again, once);
    assert.equal(new Set(once.slice(0, -1)).size, variants.length - 1, 'every variant is written differently');
    assert.equal(once.at(-1), once[0], 'an empty metadata map is left out, as Go omits it');
    assert.match(once[5]!, /"value":null,/);
    assert.match(once[10]!, /"metadata":\{"a":"1"\}/);
  });
});
