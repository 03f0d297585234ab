import assert from 'node:assert/strict';
import { BatchProcessor } from '../../src/batch-processor.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import { assertAccounting } from './support/accounting.js';
import { featureEvent } from './support/events.js';
import { FaultServer, type Fault } from './support/fault-server.js';

/** Short enough to keep the suite fast, long enough to tell "cut at the deadline" from "sat out a wait". */
const EXPORT_TIMEOUT = 250;
/** SPEC §4 rule 7: within exportTimeout plus a small margin; asserted at ~2x so a busy machine does not flake. */
const SHUTDOWN_BOUND_MS = 2 * EXPORT_TIMEOUT + 250;
const CAP = 10_000;

describe('shutdown under outage: bounded by exportTimeout, waits cancelled, losses counted', function () {
  this.timeout(10_000);

  let server: FaultServer;
  let fault: Fault;

  beforeEach(async () => {
    fault = { kind: 'answer', status: 200 };
    server = await new FaultServer({ decide: () => fault }).start();
  });

  afterEach(async () => {
    await server.close();
  });

  function pipeline(exporterOptions: { timeout: number; maxRetries: number }, maxEventInMemory = 1_000) {
    const exporter = new WebhookExporter({ endpointUrl: server.url, ...exporterOptions });
    const processor = new BatchProcessor(exporter, {
      flushInterval: 60_000,
      maxEventInMemory,
      maxBufferedEvents: CAP,
      maxBatchSize: 100,
      exportTimeout: EXPORT_TIMEOUT,
    });
    for (let i = 0; i < 1_000; i++) processor.add(featureEvent(`s${i}`));
    return { exporter, processor };
  }

  async function timedShutdown(processor: BatchProcessor): Promise<number> {
    const started = performance.now();
    await processor.shutdown();
    return performance.now() - started;
  }

  it('an endpoint that never answers: the export in flight is aborted at the deadline', async () => {
    fault = { kind: 'hang' };
    const { processor } = pipeline({ timeout: 30_000, maxRetries: 3 });
    const aborted = server.hangEnded();
    const elapsed = await timedShutdown(processor);
    await aborted; // the request was cancelled, not left running
    assert.ok(elapsed >= EXPORT_TIMEOUT - 20, `resolved after ${elapsed.toFixed(0)} ms, before the deadline`);
    assert.ok(elapsed < SHUTDOWN_BOUND_MS, `shutdown took ${elapsed.toFixed(0)} ms`);
    const stats = processor.stats();
    assert.equal(stats.dropped.shutdown, 1_000, 'what could not be delivered is counted');
    assert.equal(server.requests, 1, 'one attempt, cut off; no retry after the deadline');
    assertAccounting(stats, CAP, 'after shutdown');
  });

  it("an in-call Retry-After wait (4 s, under the exporter's 5 s cap) is cancelled, not sat out", async () => {
    fault = { kind: 'answer', status: 503, headers: { 'Retry-After': '4' } };
    const { processor } = pipeline({ timeout: 5_000, maxRetries: 5 });
    const elapsed = await timedShutdown(processor);
    assert.ok(elapsed < SHUTDOWN_BOUND_MS, `shutdown took ${elapsed.toFixed(0)} ms`);
    assert.equal(server.requests, 1, 'the retry never went out');
    assert.equal(processor.stats().dropped.shutdown, 1_000);
    assertAccounting(processor.stats(), CAP, 'after shutdown');
  });

  it('refused connections with jittered in-call retries (up to 1 s, 2 s, ...) are cancelled at the deadline', async () => {
    await server.down();
    const { processor } = pipeline({ timeout: 5_000, maxRetries: 10 });
    const elapsed = await timedShutdown(processor);
    assert.ok(elapsed < SHUTDOWN_BOUND_MS, `shutdown took ${elapsed.toFixed(0)} ms`);
    assert.equal(processor.stats().dropped.shutdown, 1_000);
    assertAccounting(processor.stats(), CAP, 'after shutdown');
  });

  it("the processor's own Retry-After (1 h) and backoff waits do not delay shutdown: it flushes at once", async () => {
    fault = { kind: 'answer', status: 429, headers: { 'Retry-After': '3600' } };
    const { processor } = pipeline({ timeout: 5_000, maxRetries: 2 }, 500);
    await processor.forceFlush();
    // More events: a size trigger, which now waits for the backoff (at least the hour asked for).
    for (let i = 1_000; i < 1_600; i++) processor.add(featureEvent(`s${i}`));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(server.requests, 1, 'the 429 with an hour-long Retry-After ended the export at once');
    const refusedId = server.received[0]!.webhookId;
    assert.equal(processor.stats().failedExports, 1);

    fault = { kind: 'answer', status: 200 };
    const elapsed = await timedShutdown(processor);
    assert.ok(elapsed < SHUTDOWN_BOUND_MS, `shutdown took ${elapsed.toFixed(0)} ms`);
    const stats = processor.stats();
    assert.equal(stats.delivered, 1_600, 'shutdown flushed everything at once');
    assert.equal(stats.dropped.shutdown, 0);
    assert.equal(server.received[1]!.webhookId, refusedId, 'the refused batch went again under its id');
  });

  it('a shutdown during a flush stuck on a hanging endpoint still resolves by its own deadline', async () => {
    fault = { kind: 'hang' };
    const { processor } = pipeline({ timeout: 30_000, maxRetries: 3 });
    let flushSettled = false;
    const flushing = processor.forceFlush().then(() => {
      flushSettled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const elapsed = await timedShutdown(processor);
    assert.ok(elapsed < SHUTDOWN_BOUND_MS, `shutdown took ${elapsed.toFixed(0)} ms`);
    await flushing;
    assert.ok(flushSettled, 'the pending forceFlush resolved too (never rejects)');
    assert.equal(processor.stats().dropped.shutdown, 1_000);
    assertAccounting(processor.stats(), CAP, 'after shutdown');
  });
});
