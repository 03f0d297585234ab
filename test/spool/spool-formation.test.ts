import assert from 'node:assert/strict';
import path from 'node:path';
import { BatchProcessor } from '../../src/batch-processor.js';
import { encodeSlice } from '../../src/encoded-slice.js';
import { EventEncoder } from '../../src/event-encoder.js';
import { EventQueue } from '../../src/event-queue.js';
import type { ExportableEvent, FeatureEvent } from '../../src/events.js';
import { Batch } from '../../src/processor/batch.js';
import { fillSlice } from '../../src/processor/fill-slice.js';
import { RecordType } from '../../src/spool/record-format.js';
import { Spool } from '../../src/spool/spool.js';
import { FakeExporter, OK, assertAccounting } from '../core/support/helpers.js';
import { event, recordsOf, removeAll, segmentNames, tempDir } from './support/spool-fixtures.js';

const LIMITS = { maxBatchSize: 1_000, maxBatchBytes: 4 * 1024 * 1024 };

/** The body a batch sends, as text. */
function bodyOf(batch: Batch): string {
  return Buffer.concat(batch.encoded().chunks).toString('utf8');
}

function walked(events: readonly ExportableEvent[]): string {
  return '[' + events.map((e) => new EventEncoder().encode(e)).join(',') + ']';
}

describe('Spool and batch formation (SPEC §10)', () => {
  const made: string[] = [];
  afterEach(() => removeAll(made));

  /** A spool keeping what it commits, and a queue holding the same events. */
  function setUp(count: number): { spool: Spool; queue: EventQueue<ExportableEvent>; events: FeatureEvent[]; seqBase: number } {
    const spool = Spool.open({ directory: tempDir(made), syncEvery: 3_600_000 });
    spool.retainEncoded = true;
    const queue = new EventQueue<ExportableEvent>();
    const seqBase = spool.nextSeq;
    const events = Array.from({ length: count }, (_, i) => event(i));
    for (const e of events) {
      spool.append(e);
      queue.push(e);
    }
    return { spool, queue, events, seqBase };
  }

  it('a batch formed after a commit is cut from the committed bytes: an event changed since goes out as it was committed', async () => {
    const { spool, queue, events, seqBase } = setUp(10);
    const committed = walked(events);
    await spool.commit();
    events[4]!.variation = 'changed after the commit';
    const batch = new Batch();
    const outcome = fillSlice(batch, { queue, untilSeq: Infinity, seqBase, spool }, new EventEncoder(), LIMITS);
    assert.deepEqual(outcome, { complete: true, added: 10, invalid: 0, problem: undefined });
    assert.equal(bodyOf(batch), committed);
    assert.notEqual(bodyOf(batch), walked(events), 'not encoded again');
    assert.deepEqual(batch.seqs, events.map((_, i) => seqBase + i));
    await spool.close();
  });

  it('events committed and events not yet committed form one batch, in order, with the same bytes either way', async () => {
    const { spool, queue, events, seqBase } = setUp(5);
    await spool.commit();
    for (let i = 5; i < 8; i++) {
      const later = event(i);
      events.push(later);
      spool.append(later);
      queue.push(later);
    }
    const batch = new Batch();
    fillSlice(batch, { queue, untilSeq: Infinity, seqBase, spool }, new EventEncoder(), LIMITS);
    assert.equal(batch.length, 8);
    assert.equal(bodyOf(batch), walked(events));
    await spool.close();
  });

  it('committed bytes respect maxBatchSize and maxBatchBytes: the batch stops where the next event would not fit', async () => {
    const { spool, queue, events, seqBase } = setUp(10);
    await spool.commit();
    const sizes = encodeSlice(new EventEncoder(), events);
    const four = sizes.ends[3]! - sizes.starts[0]!;
    const batch = new Batch();
    const outcome = fillSlice(batch, { queue, untilSeq: Infinity, seqBase, spool }, new EventEncoder(), { maxBatchSize: 100, maxBatchBytes: four + 1 });
    assert.equal(outcome.complete, true);
    assert.equal(batch.length, 4);
    assert.equal(batch.byteLength, four);
    assert.equal(queue.length, 6, 'the rest stay queued for the next batch');
    const next = new Batch();
    fillSlice(next, { queue, untilSeq: Infinity, seqBase, spool }, new EventEncoder(), { maxBatchSize: 3, maxBatchBytes: LIMITS.maxBatchBytes });
    assert.equal(bodyOf(next), walked(events.slice(4, 7)));
    await spool.close();
  });

  it('forceFlush sends every event added before it, though batches were still being formed ahead when it began', async () => {
    /** An event that takes 2 ms to encode: a formation of two goes on in slices, across turns. */
    const slow = (i: number): FeatureEvent => {
      const e = event(i);
      Object.defineProperty(e, 'variation', {
        enumerable: true,
        get: () => {
          const until = performance.now() + 2;
          while (performance.now() < until);
          return 'on';
        },
      });
      return e;
    };
    let answerAtOnce = false;
    const exporter = new FakeExporter(() => (answerAtOnce ? OK : undefined));
    const processor = new BatchProcessor(exporter, {
      flushInterval: 3_600_000,
      maxEventInMemory: 2,
      maxBatchSize: 2,
      maxBufferedEvents: 100,
      spool: { directory: tempDir(made), syncEvery: 3_600_000 },
    });
    processor.add(slow(0));
    processor.add(slow(1));
    await exporter.whenCalls(1);
    // Added while the first batch is in flight: formed ahead, several at once, for the next pass.
    for (let i = 2; i < 12; i++) processor.add(slow(i));
    await new Promise((resolve) => setImmediate(resolve));
    const flushed = processor.forceFlush();
    answerAtOnce = true;
    exporter.calls[0]!.respond(OK);
    await flushed;
    assert.deepEqual(
      { delivered: processor.stats().delivered, pending: processor.stats().pending },
      { delivered: 12, pending: 0 },
      `forceFlush ended with events it covers still pending; batches sent: ${JSON.stringify(exporter.batches())}`,
    );
    assertAccounting(processor);
    await processor.shutdown();
  });

  it('batches formed ahead have their ids on disk before each is exported, several put on record by one commit', async () => {
    const directory = tempDir(made);
    /** The ids on record in the files when each export began. */
    const onRecord: Set<string>[] = [];
    const exporter = new FakeExporter(() => {
      const records = segmentNames(directory).flatMap((name) => recordsOf(path.join(directory, name)));
      onRecord.push(new Set(records.flatMap((placed) => (placed.record.type === RecordType.Formed ? [placed.record.id] : []))));
      return undefined; // answered below, one at a time
    });
    const processor = new BatchProcessor(exporter, {
      flushInterval: 3_600_000,
      maxEventInMemory: 1_000,
      maxBatchSize: 3,
      spool: { directory, syncEvery: 3_600_000 },
    });
    for (let i = 0; i < 15; i++) processor.add(event(i));
    const flushed = processor.forceFlush();
    for (let answered = 0; answered < 5; answered++) {
      await exporter.whenCalls(answered + 1);
      exporter.calls[answered]!.respond(OK);
    }
    await flushed;
    assert.deepEqual(exporter.batches(), [['u0', 'u1', 'u2'], ['u3', 'u4', 'u5'], ['u6', 'u7', 'u8'], ['u9', 'u10', 'u11'], ['u12', 'u13', 'u14']]);
    const ids = exporter.calls.map((call) => call.options!.batchId!);
    ids.forEach((id, i) => assert.ok(onRecord[i]!.has(id), `batch ${i} was exported before its id was on disk`));
    // Formed while the first was in flight, the next four went on record together.
    assert.ok(ids.slice(1).every((id) => onRecord[1]!.has(id)), 'batches 2 to 5 on record by the time batch 2 left');
    const formedRecords = segmentNames(directory)
      .flatMap((name) => recordsOf(path.join(directory, name)))
      .filter((placed) => placed.record.type === RecordType.Formed);
    assert.equal(formedRecords.length, 5, 'each id recorded once');
    assert.equal(processor.stats().delivered, 15);
    assertAccounting(processor);
    await processor.shutdown();
  });
});
