import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import sinon from 'sinon';
import { BatchProcessor } from '../../src/batch-processor.js';
import type { ExportableEvent } from '../../src/events.js';
import type { EventExporter } from '../../src/exporter.js';
import { assertAccounting } from './support/accounting.js';
import { featureEvent, userKeys } from './support/events.js';

const CAP = 2_000;
const BATCH = 1_000;
const OPTIONS = { flushInterval: 60_000, maxEventInMemory: BATCH, maxBufferedEvents: CAP, exportTimeout: 2_000 };

/** An endpoint that takes every batch at once. */
class AcceptingExporter implements EventExporter {
  readonly batches: string[][] = [];

  export(batch: ExportableEvent[], resultCallback: (result: ExportResult) => void): void {
    this.batches.push(userKeys(batch));
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}
}

describe('overload: adds outrun the formation of a batch, at the cap', function () {
  let clock: sinon.SinonStub | undefined;

  afterEach(() => clock?.restore());

  it('the batch being formed is not trimmed away: batches go out, in order, while the excess is dropped', async () => {
    // Each look at the clock is 2 ms later, so a formation slice (4 ms) encodes 384 events
    // and yields: far fewer than the CAP adds that arrive between two slices.
    let now = 0;
    clock = sinon.stub(performance, 'now').callsFake(() => (now += 2));
    const exporter = new AcceptingExporter();
    const processor = new BatchProcessor(exporter, OPTIONS);
    let key = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < CAP; i++) processor.add(featureEvent(`u${key++}`));
      assertAccounting(processor.stats(), CAP, `after round ${round}`);
      await nextTurn();
    }
    clock.restore();
    clock = undefined;

    const stats = processor.stats();
    assert.ok(stats.dropped.overflow > 0, 'the adds passed the cap');
    // Were the batch being formed trimmed from the front, it would never complete: nothing sent.
    assert.ok(exporter.batches.length >= 5, `${exporter.batches.length} batches sent in 20 rounds`);
    const delivered = exporter.batches.flat();
    assert.equal(stats.delivered, delivered.length);
    for (let i = 1; i < delivered.length; i++) {
      assert.ok(Number(delivered[i]!.slice(1)) > Number(delivered[i - 1]!.slice(1)), `${delivered[i]} delivered after ${delivered[i - 1]}`);
    }
    await processor.shutdown();
    assertAccounting(processor.stats(), CAP, 'after shutdown');
  });
});
