import assert from 'node:assert/strict';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchProcessor } from '../../src/batch-processor.js';
import type { ExportableEvent } from '../../src/events.js';
import type { EventExporter } from '../../src/exporter.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import { assertAccounting } from './support/accounting.js';
import { captureDiag, type DiagCapture } from './support/diag-capture.js';
import { featureEvent, userKeysOf } from './support/events.js';
import { FaultServer } from './support/fault-server.js';

const CAP = 2_000;
const OPTIONS = { flushInterval: 60_000, maxEventInMemory: 500, maxBufferedEvents: CAP, maxBatchSize: 250, exportTimeout: 2_000 };
const OVERFLOW_WARNING = /buffered while the endpoint fails/;

describe('outage: the endpoint down while 5 × maxBufferedEvents events arrive', function () {
  this.timeout(20_000);

  let server: FaultServer;
  let failing = false;
  let capture: DiagCapture;
  let restoreDiag: () => void;

  beforeEach(async () => {
    failing = false;
    server = await new FaultServer({
      decide: () => (failing ? { kind: 'answer', status: 503, body: 'down for maintenance' } : { kind: 'answer', status: 200 }),
    }).start();
    ({ capture, restore: restoreDiag } = captureDiag());
  });

  afterEach(async () => {
    restoreDiag();
    await server.close();
  });

  /** The keys the endpoint accepted (200), in arrival order. */
  function acceptedKeys(): string[] {
    return server.received
      .filter((request) => request.fault.kind === 'answer' && request.fault.status === 200)
      .flatMap((request) => userKeysOf(request.body!) ?? []);
  }

  /** Every webhook-id the endpoint ever saw names one sequence of events. */
  function assertIdsStable(): void {
    const keysOfId = new Map<string, string>();
    for (const request of server.received) {
      if (request.body === undefined) continue;
      const keys = (userKeysOf(request.body) ?? []).join(',');
      const id = request.webhookId!;
      assert.ok(id, `request ${request.index} carries a webhook-id`);
      const earlier = keysOfId.get(id);
      if (earlier === undefined) keysOfId.set(id, keys);
      else assert.equal(keys, earlier, `webhook-id ${id} named two different sets of events`);
    }
  }

  it('keeps pending under the cap, counts every drop, warns once per outage, delivers the rest on recovery', async () => {
    const processor = new BatchProcessor(new WebhookExporter({ endpointUrl: server.url, timeout: 500, maxRetries: 0 }), OPTIONS);
    const check = (where: string): void => assertAccounting(processor.stats(), CAP, where);
    let added = 0;

    /** Adds 5 × CAP events through an outage, trying to flush now and then; returns the keys added. */
    async function addThroughOutage(): Promise<void> {
      for (let chunk = 0; chunk < 40; chunk++) {
        for (let i = 0; i < (5 * CAP) / 40; i++) {
          processor.add(featureEvent(`e${added++}`));
          check(`after add #${added}`);
        }
        if (chunk % 4 === 3) await processor.forceFlush();
        check(`after chunk ${chunk}`);
      }
    }

    async function recover(): Promise<{ pendingBefore: number; delivered: string[] }> {
      const before = acceptedKeys().length;
      const { pending, inFlight } = processor.stats();
      for (let round = 0; round < 20 && processor.stats().pending + processor.stats().inFlight > 0; round++) {
        await processor.forceFlush();
        check(`after recovery flush ${round}`);
      }
      return { pendingBefore: pending + inFlight, delivered: acceptedKeys().slice(before) };
    }

    // Outage 1: the endpoint answers 503 to everything.
    failing = true;
    await addThroughOutage();
    let stats = processor.stats();
    assert.equal(stats.accepted, 5 * CAP);
    assert.equal(stats.delivered, 0);
    assert.ok(stats.pending + stats.inFlight <= CAP);
    assert.ok(stats.dropped.overflow >= 4 * CAP - OPTIONS.maxBatchSize, `dropped ${stats.dropped.overflow}`);
    assert.ok(stats.failedExports > 0);
    assert.equal(capture.matching('warn', OVERFLOW_WARNING).length, 1, 'one overflow warning for the first outage');

    failing = false;
    const first = await recover();
    stats = processor.stats();
    assert.equal(stats.pending + stats.inFlight, 0);
    assert.equal(first.delivered.length, first.pendingBefore, 'everything pending was delivered, once');
    assert.equal(stats.delivered + stats.dropped.overflow, stats.accepted);
    assertIncreasing(first.delivered);
    assert.equal(capture.matching('warn', OVERFLOW_WARNING).length, 1);

    // Outage 2: connections refused.
    await server.down();
    const deliveredBefore = stats.delivered;
    await addThroughOutage();
    assert.equal(capture.matching('warn', OVERFLOW_WARNING).length, 2, 'one more warning for the second outage');
    await server.up();
    const second = await recover();
    stats = processor.stats();
    assert.equal(second.delivered.length, second.pendingBefore);
    assert.equal(stats.delivered - deliveredBefore, second.pendingBefore);
    assert.equal(stats.delivered + stats.dropped.overflow, stats.accepted);
    assert.equal(stats.accepted, 10 * CAP);
    assertIncreasing([...first.delivered, ...second.delivered]);
    assertIdsStable();

    await processor.shutdown();
    assert.equal(processor.stats().dropped.shutdown, 0);
    assert.equal(capture.matching('warn', OVERFLOW_WARNING).length, 2);
  });

  it('add() stays cheap and does no I/O while the buffer is full and overflowing', () => {
    let exportCalls = 0;
    const failingExporter: EventExporter = {
      export(_batch: ExportableEvent[], resultCallback: (result: ExportResult) => void) {
        exportCalls++;
        resultCallback({ code: ExportResultCode.FAILED, error: new Error('down') });
      },
      shutdown: async () => undefined,
    };
    const cap = 100_000;
    const processor = new BatchProcessor(failingExporter, { maxEventInMemory: cap, maxBufferedEvents: cap, exportTimeout: 1_000 });
    const events = Array.from({ length: 1_000 }, (_, i) => featureEvent(`cheap${i}`));
    const started = process.hrtime.bigint();
    for (let i = 0; i < 5 * cap; i++) processor.add(events[i % events.length]!);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(exportCalls, 0, 'add() never exports synchronously');
    const stats = processor.stats();
    assert.equal(stats.pending, cap);
    assert.equal(stats.dropped.overflow, 4 * cap);
    assertAccounting(stats, cap, 'after 5 × cap adds');
    // Typically ~50 ms; the bound only catches an add() that is no longer O(1).
    assert.ok(elapsedMs < 2_000, `${5 * cap} adds took ${elapsedMs.toFixed(0)} ms`);
    void processor.shutdown();
  });
});

function assertIncreasing(keys: string[]): void {
  for (let i = 1; i < keys.length; i++) {
    assert.ok(Number(keys[i]!.slice(1)) > Number(keys[i - 1]!.slice(1)), `${keys[i]} delivered after ${keys[i - 1]}`);
  }
}
