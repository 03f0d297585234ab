import assert from 'node:assert/strict';
import sinon from 'sinon';
import { BatchProcessor, type BatchProcessorOptions } from '../../src/batch-processor.js';
import type { ExportableEvent } from '../../src/events.js';
import {
  DiagCapture,
  FAKE_NOW,
  FakeExporter,
  OK,
  TimerTracker,
  assertAccounting,
  fakeClock,
  failure,
  feature,
  features,
} from './support/helpers.js';

/** Builds an event that TypeScript would refuse, to test what JavaScript callers can pass. */
function loose(event: Record<string, unknown>): ExportableEvent {
  return event as unknown as ExportableEvent;
}

const u = (...ids: number[]): string[] => ids.map((i) => `u${i}`);

describe('BatchProcessor (SPEC §4)', () => {
  let clock: sinon.SinonFakeTimers;
  let tracker: TimerTracker | undefined;
  let capture: DiagCapture | undefined;
  const processors: BatchProcessor[] = [];

  function make(exporter: FakeExporter, options: BatchProcessorOptions = {}): BatchProcessor {
    const processor = new BatchProcessor(exporter, { flushInterval: 600_000, ...options });
    processors.push(processor);
    return processor;
  }

  /** Lets every pending promise chain run (no fake time passes). */
  const settle = (): Promise<number> => clock.tickAsync(0);

  function addAll(processor: BatchProcessor, events: readonly ExportableEvent[]): void {
    for (const event of events) {
      processor.add(event);
      assertAccounting(processor, `after add(${event.userKey})`);
    }
  }

  /** Tracks a promise's settlement without awaiting it. */
  function watch(promise: Promise<unknown>): { done: boolean } {
    const state = { done: false };
    promise.then(
      () => (state.done = true),
      () => assert.fail('must never reject'),
    );
    return state;
  }

  beforeEach(() => {
    clock = fakeClock();
  });

  afterEach(async () => {
    const closing = Promise.all(processors.splice(0).map((p) => p.shutdown()));
    await clock.tickAsync(10 * 60_000);
    await closing;
    tracker?.restore();
    tracker = undefined;
    clock.restore();
    sinon.restore();
    capture?.dispose();
    capture = undefined;
  });

  describe('option checks', () => {
    const names = ['flushInterval', 'maxEventInMemory', 'maxBufferedEvents', 'maxBatchSize', 'exportTimeout'] as const;
    for (const name of names) {
      it(`${name}: a non-positive or non-integer number is a RangeError naming it`, () => {
        for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
          assert.throws(
            () => new BatchProcessor(new FakeExporter(), { [name]: bad }),
            (error: unknown) => error instanceof RangeError && error.message.includes(name),
            `${name}: ${bad}`,
          );
        }
      });
      it(`${name}: a non-number is a TypeError naming it`, () => {
        for (const bad of ['10', true, {}]) {
          assert.throws(
            () => new BatchProcessor(new FakeExporter(), { [name]: bad } as unknown as BatchProcessorOptions),
            (error: unknown) => error instanceof TypeError && error.message.includes(name),
          );
        }
      });
    }

    it('maxBatchSize > maxBufferedEvents and maxEventInMemory > maxBufferedEvents are RangeErrors naming the option', () => {
      assert.throws(
        () => new BatchProcessor(new FakeExporter(), { maxBufferedEvents: 10, maxEventInMemory: 5, maxBatchSize: 11 }),
        (error: unknown) => error instanceof RangeError && error.message.includes('maxBatchSize'),
      );
      assert.throws(
        () => new BatchProcessor(new FakeExporter(), { maxBufferedEvents: 10, maxEventInMemory: 11, maxBatchSize: 5 }),
        (error: unknown) => error instanceof RangeError && error.message.includes('maxEventInMemory'),
      );
      make(new FakeExporter(), { maxBufferedEvents: 10, maxEventInMemory: 10, maxBatchSize: 10 });
    });

    it('maxBufferedEvents defaults to 4 × maxEventInMemory', () => {
      make(new FakeExporter(), { maxEventInMemory: 2, maxBatchSize: 8 });
      assert.throws(() => new BatchProcessor(new FakeExporter(), { maxEventInMemory: 2, maxBatchSize: 9 }), RangeError);
    });

    it('maxBatchSize defaults to maxEventInMemory', async () => {
      const exporter = new FakeExporter(() => OK);
      const p = make(exporter, { maxEventInMemory: 3 });
      addAll(p, features(1, 7));
      await settle();
      assert.deepEqual(exporter.batches(), [u(1, 2, 3), u(4, 5, 6), u(7)]);
    });

    it('defaults: flushInterval 60 000 ms and exportTimeout 30 000 ms', async () => {
      const exporter = new FakeExporter();
      const p = new BatchProcessor(exporter);
      processors.push(p);
      p.add(feature(1));
      await clock.tickAsync(59_999);
      assert.equal(exporter.calls.length, 0);
      await clock.tickAsync(1);
      assert.equal(exporter.calls.length, 1);
      await clock.tickAsync(29_999);
      assert.equal(exporter.last.signal?.aborted, false);
      await clock.tickAsync(1);
      assert.equal(exporter.last.signal?.aborted, true);
    });
  });

  describe('rule 1: flush triggers', () => {
    it('rule 1: flushes every flushInterval on a fixed ticker from construction, not reset by other flushes', async () => {
      const exporter = new FakeExporter(() => OK);
      const p = make(exporter, { flushInterval: 1_000, maxEventInMemory: 3 });
      p.add(feature(1));
      await clock.tickAsync(999);
      assert.equal(exporter.calls.length, 0);
      await clock.tickAsync(1);
      assert.deepEqual(exporter.batches(), [u(1)]);
      assert.equal(exporter.last.at, FAKE_NOW + 1_000);
      // A size-triggered flush at t=1 500 does not move the ticker.
      await clock.tickAsync(500);
      addAll(p, features(2, 4));
      await settle();
      assert.equal(exporter.calls.length, 2);
      assert.equal(exporter.last.at, FAKE_NOW + 1_500);
      await clock.tickAsync(200);
      p.add(feature(5));
      await clock.tickAsync(299);
      assert.equal(exporter.calls.length, 2);
      await clock.tickAsync(1);
      assert.deepEqual(exporter.last.keys, u(5));
      assert.equal(exporter.last.at, FAKE_NOW + 2_000);
    });

    it('rule 1: a tick with nothing pending makes no export call', async () => {
      const exporter = new FakeExporter(() => OK);
      make(exporter, { flushInterval: 1_000 });
      await clock.tickAsync(5_000);
      assert.equal(exporter.calls.length, 0);
    });

    it('rule 1: flushes when pending reaches maxEventInMemory, after add() returns (add does no I/O)', async () => {
      const exporter = new FakeExporter(() => OK);
      const p = make(exporter, { maxEventInMemory: 3 });
      addAll(p, features(1, 2));
      await settle();
      assert.equal(exporter.calls.length, 0);
      p.add(feature(3));
      assert.equal(exporter.calls.length, 0, 'add() must not export synchronously');
      await settle();
      assert.deepEqual(exporter.batches(), [u(1, 2, 3)]);
      assert.deepEqual(p.stats(), {
        accepted: 3,
        delivered: 3,
        pending: 0,
        inFlight: 0,
        dropped: { overflow: 0, invalid: 0, shutdown: 0, corrupt: 0 },
        failedExports: 0,
      });
    });

    it('rule 1: forceFlush() and shutdown() flush', async () => {
      const exporter = new FakeExporter(() => OK);
      const p = make(exporter);
      p.add(feature(1));
      await p.forceFlush();
      assert.deepEqual(exporter.batches(), [u(1)]);
      p.add(feature(2));
      await p.shutdown();
      assert.deepEqual(exporter.batches(), [u(1), u(2)]);
      assert.equal(p.stats().delivered, 2);
    });

    it('rule 1: the flush ticker is unref()ed', () => {
      tracker = new TimerTracker(clock);
      make(new FakeExporter(), { flushInterval: 1_234 });
      const ticker = tracker.live().find((t) => t.kind === 'interval' && t.delay === 1_234);
      assert.ok(ticker, 'a setInterval of flushInterval');
      assert.equal(ticker.handle.hasRef(), false);
    });
  });

  describe('rule 2: one export in flight, order kept', () => {
    it('rule 2: at most one export is in flight; events keep their add() order', async () => {
      const exporter = new FakeExporter();
      const p = make(exporter, { flushInterval: 1_000, maxEventInMemory: 2 });
      addAll(p, features(1, 6));
      await settle();
      assert.equal(exporter.calls.length, 1);
      // Ticks, a forced flush and more size triggers while the export runs start nothing beside it.
      const forced = watch(p.forceFlush());
      await clock.tickAsync(3_000);
      addAll(p, features(7, 8));
      await settle();
      assert.equal(exporter.calls.length, 1);
      while (exporter.calls.some((c) => !c.answered)) {
        exporter.calls.find((c) => !c.answered)?.respond(OK);
        assertAccounting(p, 'after an answer');
        await settle();
      }
      assert.equal(forced.done, true);
      assert.equal(exporter.maxConcurrent, 1);
      assert.deepEqual(exporter.batches().flat(), u(1, 2, 3, 4, 5, 6, 7, 8));
      assert.equal(p.stats().delivered, 8);
    });
  });

  describe('rule 3: batches, failures, backoff, 413', () => {
    it('rule 3: a failed batch is re-sent as that same batch, before newer events, at the next flush', async () => {
      let n = 0;
      const exporter = new FakeExporter(() => (n++ === 0 ? failure() : OK));
      const p = make(exporter, { maxEventInMemory: 2 });
      addAll(p, features(1, 2));
      await settle();
      assert.equal(exporter.calls.length, 1);
      assert.equal(p.stats().pending, 2);
      p.add(feature(3));
      await p.forceFlush();
      assert.equal(exporter.calls[1]?.batch, exporter.calls[0]?.batch, 'the same batch (so the same webhook-id)');
      assert.deepEqual(exporter.batches(), [u(1, 2), u(1, 2), u(3)]);
      assert.equal(p.stats().delivered, 3);
    });

    it('rule 3: a flush stops at its first failed batch; later batches wait, then go in order', async () => {
      let n = 0;
      const exporter = new FakeExporter(() => (n++ === 1 ? failure() : OK));
      const p = make(exporter, { maxEventInMemory: 2, maxBufferedEvents: 100 });
      addAll(p, features(1, 6));
      await p.forceFlush();
      assert.deepEqual(exporter.batches(), [u(1, 2), u(3, 4)]);
      assert.equal(p.stats().delivered, 2);
      assert.equal(p.stats().pending, 4);
      assert.equal(p.stats().failedExports, 1);
      await p.forceFlush();
      assert.deepEqual(exporter.batches(), [u(1, 2), u(3, 4), u(3, 4), u(5, 6)]);
      assert.equal(exporter.calls[2]?.batch, exporter.calls[1]?.batch);
      assert.equal(p.stats().delivered, 6);
    });

    it('rule 3: size-triggered flushes after failures wait exponential backoff from 1 s, factor 2, full jitter; success resets it', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      let failing = true;
      const exporter = new FakeExporter(() => (failing ? failure() : OK));
      const p = make(exporter, { maxEventInMemory: 2, maxBatchSize: 2, maxBufferedEvents: 100 });
      p.add(feature(1));
      await p.forceFlush(); // failure 1: wait 0.5 × 1 000
      let calls = 1;
      let next = 2;
      for (const wait of [500, 1_000, 2_000, 4_000]) {
        const start = Date.now();
        p.add(feature(next++)); // pending reaches maxEventInMemory: a size trigger
        await clock.tickAsync(wait - 1);
        assert.equal(exporter.calls.length, calls, `no size flush before ${wait} ms`);
        if (wait === 4_000) failing = false;
        await clock.tickAsync(1);
        assert.ok(exporter.calls.length > calls, `a size flush at ${wait} ms`);
        assert.equal(exporter.calls[calls]?.at, start + wait);
        calls = exporter.calls.length;
      }
      assert.equal(p.stats().pending, 0);
      // A success resets the backoff: the next failure waits 0.5 × 1 000 again.
      failing = true;
      p.add(feature(next++));
      await p.forceFlush();
      calls = exporter.calls.length;
      p.add(feature(next));
      await clock.tickAsync(499);
      assert.equal(exporter.calls.length, calls);
      await clock.tickAsync(1);
      assert.equal(exporter.calls.length, calls + 1);
    });

    it('rule 3: the backoff is full jitter: random() × the exponential ceiling', async () => {
      const random = sinon.stub(Math, 'random').returns(0.25);
      const exporter = new FakeExporter(() => failure());
      const p = make(exporter, { maxEventInMemory: 2, maxBatchSize: 2, maxBufferedEvents: 100 });
      p.add(feature(1));
      await p.forceFlush(); // ceiling 1 000 → 250
      p.add(feature(2));
      await clock.tickAsync(249);
      assert.equal(exporter.calls.length, 1);
      random.returns(0.75);
      await clock.tickAsync(1); // fails again: ceiling 2 000 → 1 500
      assert.equal(exporter.calls.length, 2);
      p.add(feature(3));
      await clock.tickAsync(1_499);
      assert.equal(exporter.calls.length, 2);
      await clock.tickAsync(1);
      assert.equal(exporter.calls.length, 3);
    });

    it('rule 3: the backoff is capped at flushInterval', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      const exporter = new FakeExporter(() => failure());
      const p = make(exporter, { flushInterval: 1_500, maxEventInMemory: 2, maxBatchSize: 2, maxBufferedEvents: 100 });
      p.add(feature(1));
      await p.forceFlush(); // ceiling 1 000
      await p.forceFlush(); // ceiling min(2 000, 1 500)
      await p.forceFlush(); // ceiling min(4 000, 1 500) → wait 750, not 2 000
      assert.equal(exporter.calls.length, 3);
      p.add(feature(2));
      await clock.tickAsync(749);
      assert.equal(exporter.calls.length, 3);
      await clock.tickAsync(1);
      assert.equal(exporter.calls.length, 4);
      assert.equal(exporter.last.at, FAKE_NOW + 750);
    });

    it('rule 3: timed flushes do not wait for the backoff', async () => {
      sinon.stub(Math, 'random').returns(0.99);
      let n = 0;
      const exporter = new FakeExporter(() => (n++ === 0 ? failure() : OK));
      const p = make(exporter, { flushInterval: 1_000 });
      await clock.tickAsync(900);
      p.add(feature(1));
      await p.forceFlush(); // fails at t=900: backoff until 900 + 990
      await clock.tickAsync(100);
      assert.equal(exporter.calls.length, 2, 'the tick at t=1 000 flushes anyway');
      assert.equal(exporter.last.at, FAKE_NOW + 1_000);
      assert.equal(p.stats().delivered, 1);
    });

    it('rule 3: timed flushes wait for Retry-After', async () => {
      let n = 0;
      const exporter = new FakeExporter(() => (n++ === 0 ? failure({ status: 429, retryAfterMs: 2_500 }) : OK));
      const p = make(exporter, { flushInterval: 1_000 });
      p.add(feature(1));
      await p.forceFlush();
      await clock.tickAsync(2_999);
      assert.equal(exporter.calls.length, 1, 'ticks at 1 000 and 2 000 are skipped');
      await clock.tickAsync(1);
      assert.equal(exporter.calls.length, 2);
      assert.equal(exporter.last.at, FAKE_NOW + 3_000);
    });

    it('rule 3: size-triggered flushes wait at least Retry-After', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      let n = 0;
      const exporter = new FakeExporter(() => (n++ === 0 ? failure({ status: 503, retryAfterMs: 4_000 }) : OK));
      const p = make(exporter, { maxEventInMemory: 2 });
      p.add(feature(1));
      await p.forceFlush();
      p.add(feature(2));
      await clock.tickAsync(3_999);
      assert.equal(exporter.calls.length, 1);
      await clock.tickAsync(1);
      assert.deepEqual(exporter.batches(), [u(1), u(1), u(2)]);
      assert.equal(exporter.calls[1]?.at, FAKE_NOW + 4_000);
    });

    it('rule 3: forceFlush() tries at once despite backoff and Retry-After', async () => {
      let n = 0;
      const exporter = new FakeExporter(() => (n++ === 0 ? failure({ status: 429, retryAfterMs: 600_000 }) : OK));
      const p = make(exporter, { flushInterval: 1_000 });
      p.add(feature(1));
      await p.forceFlush();
      await p.forceFlush();
      assert.equal(exporter.calls.length, 2);
      assert.equal(Date.now(), FAKE_NOW, 'no time passed');
      assert.equal(p.stats().delivered, 1);
    });

    it('rule 3: a 413 splits the batch into halves (first takes the odd event), new batches, tried at once, first half first', async () => {
      const exporter = new FakeExporter((call) => {
        assertAccounting(p, `during export ${call.index}`);
        assert.equal(p.stats().inFlight, call.batch.length);
        return call.batch.length > 2 ? failure({ status: 413 }) : OK;
      });
      const p = make(exporter, { maxEventInMemory: 5, flushInterval: 1_000 });
      capture = new DiagCapture();
      addAll(p, features(1, 5));
      await settle();
      assert.deepEqual(exporter.batches(), [u(1, 2, 3, 4, 5), u(1, 2, 3), u(1, 2), u(3), u(4, 5)]);
      const batches = exporter.calls.map((c) => c.batch);
      assert.equal(new Set(batches).size, 5, 'each half is a new batch (a new id)');
      assert.deepEqual(p.stats(), {
        accepted: 5,
        delivered: 5,
        pending: 0,
        inFlight: 0,
        dropped: { overflow: 0, invalid: 0, shutdown: 0, corrupt: 0 },
        failedExports: 0,
      });
      assert.equal(capture.count(/export failed/), 0, 'a 413 is not an export failure');
      // No backoff after a 413: the next size trigger exports at once.
      addAll(p, features(6, 10));
      await settle();
      assert.deepEqual(exporter.calls[5]?.keys, u(6, 7, 8, 9, 10));
    });

    it('rule 3: halves of a 413 are tried in the same timed flush', async () => {
      const exporter = new FakeExporter((call) => (call.batch.length > 1 ? failure({ status: 413 }) : OK));
      const p = make(exporter, { flushInterval: 1_000 });
      addAll(p, features(1, 2));
      await clock.tickAsync(1_000);
      assert.deepEqual(exporter.batches(), [u(1, 2), u(1), u(2)]);
      assert.equal(p.stats().delivered, 2);
    });
  });

  describe('rule 4: bounded memory', () => {
    it('rule 4: pending never exceeds maxBufferedEvents; the oldest pending events are dropped first', async () => {
      const exporter = new FakeExporter(() => failure());
      const p = make(exporter, { maxEventInMemory: 5, maxBufferedEvents: 5 });
      for (const event of features(1, 8)) {
        p.add(event);
        assertAccounting(p);
        assert.ok(p.stats().pending + p.stats().inFlight <= 5);
      }
      assert.equal(p.stats().dropped.overflow, 3);
      await settle();
      assert.deepEqual(exporter.batches(), [u(4, 5, 6, 7, 8)]);
    });

    it('rule 4: in-flight events count against the cap; pending is trimmed while an export runs', async () => {
      const exporter = new FakeExporter((call) => (call.index === 0 ? undefined : OK));
      const p = make(exporter, { maxEventInMemory: 3, maxBufferedEvents: 5 });
      addAll(p, features(1, 3));
      await settle();
      assert.equal(p.stats().inFlight, 3);
      for (const event of features(4, 9)) {
        p.add(event);
        assertAccounting(p, 'during an in-flight export');
        const s = p.stats();
        assert.ok(s.pending + s.inFlight <= 5, JSON.stringify(s));
      }
      assert.equal(p.stats().dropped.overflow, 4);
      exporter.last.respond(OK);
      await settle();
      await p.forceFlush();
      assert.deepEqual(exporter.batches(), [u(1, 2, 3), u(8, 9)]);
      assertAccounting(p);
    });

    it('rule 4: drops a waiting batch whole, never trimmed', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      let n = 0;
      const exporter = new FakeExporter(() => (n++ === 0 ? failure() : OK));
      const p = make(exporter, { maxBatchSize: 3, maxEventInMemory: 6, maxBufferedEvents: 6 });
      addAll(p, features(1, 3));
      await p.forceFlush(); // [u1,u2,u3] now waits for its next attempt
      addAll(p, features(4, 6));
      assert.equal(p.stats().dropped.overflow, 0);
      p.add(feature(7)); // one over the cap: the oldest is the waiting batch; it goes whole
      assertAccounting(p);
      assert.equal(p.stats().dropped.overflow, 3);
      assert.equal(p.stats().pending, 4);
      await p.forceFlush();
      assert.deepEqual(exporter.batches(), [u(1, 2, 3), u(4, 5, 6), u(7)]);
    });

    it('rule 4: one diag warning per outage; the next outage warns again', async () => {
      capture = new DiagCapture();
      let failing = true;
      const exporter = new FakeExporter(() => (failing ? failure() : OK));
      const p = make(exporter, { maxEventInMemory: 2, maxBufferedEvents: 2, maxBatchSize: 2 });
      const overflowWarnings = (): number => capture?.count(/overflow/, 'warn') ?? 0;
      addAll(p, features(1, 6));
      await settle();
      addAll(p, features(7, 9));
      assert.ok(p.stats().dropped.overflow >= 5);
      assert.equal(overflowWarnings(), 1);
      failing = false;
      await p.forceFlush(); // a success ends the outage
      failing = true;
      addAll(p, features(10, 14));
      assert.equal(overflowWarnings(), 2);
      addAll(p, features(15, 16));
      assert.equal(overflowWarnings(), 2);
    });
  });

  describe('rule 5: invalid events', () => {
    it('rule 5: an invalid event is dropped alone and counted; the rest of its batch goes on', async () => {
      capture = new DiagCapture();
      const exporter = new FakeExporter(() => OK);
      const p = make(exporter);
      addAll(p, [feature(1), loose({ ...feature(2), creationDate: 1.5 }), feature(3)]);
      await p.forceFlush();
      assert.deepEqual(exporter.batches(), [u(1, 3)]);
      assert.equal(p.stats().dropped.invalid, 1);
      assert.equal(p.stats().delivered, 2);
      assert.equal(capture.count(/creationDate/, 'warn'), 1);
    });

    it('rule 5: every §2 kind of invalid event is dropped and counted, never failing the batch', async () => {
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      const bad = [
        loose({ ...feature(10), value: 1n }),
        loose({ ...feature(11), value: cycle }),
        loose({ ...feature(12), value: () => 1 }),
        loose({ ...feature(13), value: Symbol('x') }),
        loose({ ...feature(14), value: { a: undefined } }),
        loose({ ...feature(15), value: [undefined] }),
        loose({ ...feature(16), value: Number.NaN }),
        loose({ ...feature(17), metadata: { x: Number.POSITIVE_INFINITY } }),
        loose({ ...feature(18), userKey: 18 }),
        loose({ ...feature(19), kind: 'other' }),
        loose({ ...feature(20), value: undefined }),
        loose({ kind: 'tracking', userKey: 'u21', key: 'k', creationDate: 1, evaluationContext: {} }),
      ];
      const exporter = new FakeExporter(() => OK);
      const p = make(exporter);
      addAll(p, [feature(1), ...bad, feature(2)]);
      await p.forceFlush();
      assert.deepEqual(exporter.batches(), [u(1, 2)]);
      assert.equal(p.stats().dropped.invalid, bad.length);
      assert.equal(p.stats().failedExports, 0);
      assertAccounting(p);
    });

    it('rule 5: add() never throws, whatever it is given; non-events are dropped as invalid later', async () => {
      const exporter = new FakeExporter(() => OK);
      const p = make(exporter);
      for (const junk of [null, undefined, 42, 'feature', [], Symbol('s')]) {
        assert.doesNotThrow(() => p.add(junk as unknown as ExportableEvent));
      }
      p.add(feature(1));
      await p.forceFlush();
      assert.deepEqual(exporter.batches(), [u(1)]);
      assert.equal(p.stats().dropped.invalid, 6);
      assertAccounting(p);
    });

    it('rule 5: a batch of only invalid events makes no export call', async () => {
      const exporter = new FakeExporter(() => OK);
      const p = make(exporter);
      addAll(p, [loose({ kind: 'x' }), loose({ kind: 'feature' })]);
      await p.forceFlush();
      assert.equal(exporter.calls.length, 0);
      assert.equal(p.stats().dropped.invalid, 2);
    });

    it('rule 5: an event whose check throws (a throwing getter) is dropped as invalid, accounting intact', async () => {
      const exporter = new FakeExporter(() => OK);
      const p = make(exporter);
      const hostile = {
        ...feature(2),
        get value(): unknown {
          throw new Error('getter blew up');
        },
      };
      addAll(p, [feature(1), loose(hostile), feature(3)]);
      await p.forceFlush();
      assertAccounting(p);
      assert.deepEqual(exporter.batches(), [u(1, 3)]);
      assert.equal(p.stats().dropped.invalid, 1);
    });

    it('rule 5: a single event answered 413 is dropped as invalid; the others are delivered', async () => {
      const exporter = new FakeExporter((call) => (call.keys.includes('u2') ? failure({ status: 413 }) : OK));
      const p = make(exporter);
      addAll(p, features(1, 3));
      await p.forceFlush();
      assert.deepEqual(exporter.batches(), [u(1, 2, 3), u(1, 2), u(1), u(2), u(3)]);
      assert.deepEqual(p.stats().dropped, { overflow: 0, invalid: 1, shutdown: 0, corrupt: 0 });
      assert.equal(p.stats().delivered, 2);
      assert.equal(p.stats().failedExports, 0);
    });
  });

  describe('rule 6: exact accounting', () => {
    it('rule 6: accepted = delivered + pending + inFlight + dropped.* at every step', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      const exporter = new FakeExporter(() => {
        assertAccounting(p, 'inside export');
        return undefined;
      });
      const p = make(exporter, { maxEventInMemory: 3, maxBufferedEvents: 6, exportTimeout: 1_000 });
      addAll(p, [feature(1), loose({ kind: 'bad' }), feature(3)]);
      await settle();
      assertAccounting(p, 'export in flight');
      assert.equal(p.stats().inFlight, 2);
      addAll(p, features(4, 10)); // overflow while in flight
      exporter.last.respond(failure({ status: 500 }));
      assertAccounting(p, 'right after a failure');
      await settle();
      assertAccounting(p, 'after the failed pass');
      const forced = p.forceFlush();
      await settle();
      exporter.last.respond(failure({ status: 413 }));
      await settle();
      assertAccounting(p, 'after a 413 split');
      await clock.tickAsync(1_000); // the export of a half times out
      assertAccounting(p, 'after a timeout');
      await forced;
      const closing = p.shutdown();
      p.add(feature(11));
      assertAccounting(p, 'during shutdown');
      await clock.tickAsync(1_000);
      await closing;
      assertAccounting(p, 'after shutdown');
      const s = p.stats();
      assert.equal(s.pending + s.inFlight, 0);
      assert.equal(s.accepted, 11);
      assert.ok(s.dropped.shutdown >= 1 && s.dropped.invalid === 1 && s.dropped.overflow > 0, JSON.stringify(s));
    });
  });

  describe('rule 7: shutdown', () => {
    it('rule 7: shutdown flushes, then shuts the exporter down once; idempotent; forceFlush after it resolves', async () => {
      const order: string[] = [];
      const exporter = new FakeExporter((call) => {
        order.push(`export ${call.keys.join(',')}`);
        return OK;
      });
      const shutdownSpy = sinon.stub(exporter, 'shutdown').callsFake(async () => {
        order.push('exporter.shutdown');
      });
      const p = make(exporter);
      addAll(p, features(1, 2));
      const first = p.shutdown();
      const second = p.shutdown();
      assert.equal(first, second);
      await first;
      await p.shutdown();
      await p.forceFlush();
      assert.deepEqual(order, ['export u1,u2', 'exporter.shutdown']);
      assert.equal(shutdownSpy.callCount, 1);
    });

    it('rule 7: the shutdown pass sends every pending batch in order', async () => {
      const exporter = new FakeExporter(() => OK);
      const p = make(exporter, { maxEventInMemory: 2, maxBufferedEvents: 100 });
      addAll(p, features(1, 5));
      await p.shutdown();
      assert.deepEqual(exporter.batches(), [u(1, 2), u(3, 4), u(5)]);
      assert.equal(p.stats().delivered, 5);
      assert.equal(p.stats().dropped.shutdown, 0);
    });

    it('rule 7: shutdown stops the ticker; add() after shutdown counts in dropped.shutdown', async () => {
      tracker = new TimerTracker(clock);
      const exporter = new FakeExporter(() => OK);
      const p = make(exporter, { flushInterval: 1_000 });
      await p.shutdown();
      assert.equal(tracker.live().filter((t) => t.kind === 'interval' && t.delay === 1_000).length, 0, 'ticker cleared');
      p.add(feature(1));
      p.add(feature(2));
      await clock.tickAsync(10_000);
      assert.equal(exporter.calls.length, 0);
      assert.deepEqual(p.stats().dropped, { overflow: 0, invalid: 0, shutdown: 2, corrupt: 0 });
      assert.equal(p.stats().accepted, 2);
      assertAccounting(p);
    });

    it('rule 7: against an endpoint that never answers, shutdown aborts at exportTimeout and resolves; undelivered count as dropped.shutdown', async () => {
      const exporter = new FakeExporter();
      const p = make(exporter, { exportTimeout: 5_000, maxEventInMemory: 2 });
      addAll(p, [feature(1)]);
      const closing = watch(p.shutdown());
      p.add(feature(2));
      await clock.tickAsync(4_999);
      assert.equal(closing.done, false);
      assert.equal(exporter.calls.length, 1);
      assert.equal(exporter.last.signal?.aborted, false);
      assertAccounting(p, 'shutdown in progress');
      await clock.tickAsync(1);
      assert.equal(exporter.last.signal?.aborted, true, 'the in-flight export is aborted at the deadline');
      assert.equal(closing.done, true);
      assert.equal(exporter.shutdownCalls, 1);
      assert.deepEqual(p.stats().dropped, { overflow: 0, invalid: 0, shutdown: 2, corrupt: 0 });
      assert.equal(p.stats().inFlight, 0);
      assert.equal(p.stats().pending, 0);
      // A late answer from the aborted export changes nothing.
      exporter.last.respond(OK);
      assert.equal(p.stats().delivered, 0);
      assertAccounting(p);
    });

    it('rule 7: the deadline counts from the shutdown call and also covers an export already in flight', async () => {
      const exporter = new FakeExporter();
      const p = make(exporter, { exportTimeout: 5_000, flushInterval: 1_000 });
      p.add(feature(1));
      await clock.tickAsync(1_000); // t=1 000: a timed export starts and is never answered
      await clock.tickAsync(4_000); // t=5 000
      p.add(feature(2));
      const closing = watch(p.shutdown()); // deadline t=10 000
      await clock.tickAsync(1_000); // t=6 000: the timed export times out; the shutdown pass sends its batch again
      assert.equal(exporter.calls.length, 2);
      assert.equal(exporter.calls[1]?.batch, exporter.calls[0]?.batch);
      await clock.tickAsync(3_999);
      assert.equal(closing.done, false);
      assert.equal(exporter.calls[1]?.signal?.aborted, false);
      await clock.tickAsync(1); // t=10 000
      assert.equal(exporter.calls[1]?.signal?.aborted, true);
      assert.equal(closing.done, true);
      assert.equal(p.stats().dropped.shutdown, 2);
      assertAccounting(p);
    });

    it('rule 7: a backoff or Retry-After wait does not delay shutdown', async () => {
      let n = 0;
      const exporter = new FakeExporter(() => (n++ === 0 ? failure({ status: 429, retryAfterMs: 600_000 }) : OK));
      const p = make(exporter);
      p.add(feature(1));
      await p.forceFlush();
      p.add(feature(2));
      await p.shutdown();
      assert.equal(Date.now(), FAKE_NOW, 'no time passed');
      assert.deepEqual(exporter.batches(), [u(1), u(1), u(2)]);
      assert.equal(p.stats().delivered, 2);
      assert.equal(p.stats().dropped.shutdown, 0);
    });

    it('rule 7: a failed shutdown flush counts in dropped.shutdown, not as waiting events', async () => {
      const exporter = new FakeExporter(() => failure({ status: 500 }));
      const p = make(exporter, { maxBatchSize: 2, maxEventInMemory: 2 });
      addAll(p, features(1, 3));
      await p.shutdown();
      assert.deepEqual(exporter.batches(), [u(1, 2)], 'the pass stops at its first failure');
      assert.deepEqual(p.stats().dropped, { overflow: 0, invalid: 0, shutdown: 3, corrupt: 0 });
      assert.equal(p.stats().pending, 0);
    });

    it('rule 7: shutdown resolves even when the exporter throws or its shutdown rejects', async () => {
      const exporter = new FakeExporter(() => {
        throw new Error('export threw');
      });
      sinon.stub(exporter, 'shutdown').rejects(new Error('shutdown rejected'));
      const p = make(exporter);
      p.add(feature(1));
      await p.shutdown();
      assert.equal(p.stats().dropped.shutdown, 1);
    });
  });

  describe('rule 8: export timeout', () => {
    it('rule 8: an export past exportTimeout is aborted through its signal and counted failed; the batch is kept', async () => {
      const exporter = new FakeExporter((call) => (call.index === 0 ? undefined : OK));
      const p = make(exporter, { exportTimeout: 5_000 });
      addAll(p, features(1, 2));
      const forced = watch(p.forceFlush());
      await clock.tickAsync(4_999);
      assert.equal(exporter.calls[0]?.signal?.aborted, false);
      assert.equal(forced.done, false);
      await clock.tickAsync(1);
      assert.equal(exporter.calls[0]?.signal?.aborted, true);
      assert.equal(forced.done, true);
      const s = p.stats();
      assert.equal(s.failedExports, 1);
      assert.equal(s.lastError?.code, 'ETIMEDOUT');
      assert.equal(s.pending, 2);
      assert.equal(s.inFlight, 0);
      // The late answer of the aborted export is ignored; the batch goes again as itself.
      exporter.calls[0]?.respond(OK);
      assert.equal(p.stats().delivered, 0);
      await p.forceFlush();
      assert.equal(exporter.calls[1]?.batch, exporter.calls[0]?.batch);
      assert.equal(exporter.maxConcurrent, 1, 'never beside the aborted one');
      assert.equal(p.stats().delivered, 2);
    });
  });

  describe('rule 9: timers never hold the process, except for forceFlush()/shutdown()', () => {
    it('rule 9: ticker, export deadline and backoff timers are unref()ed', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      tracker = new TimerTracker(clock);
      const exporter = new FakeExporter();
      const p = make(exporter, { flushInterval: 60_000, maxEventInMemory: 2, exportTimeout: 5_000 });
      addAll(p, features(1, 2));
      await settle();
      assert.equal(exporter.calls.length, 1);
      assert.ok(tracker.live().some((t) => t.kind === 'timeout' && t.delay === 5_000), 'an export deadline is running');
      assert.deepEqual(tracker.refed(), [], 'during an export');
      await clock.tickAsync(5_000); // times out: backoff of 500 ms starts
      addAll(p, features(3, 4));
      await settle();
      assert.ok(tracker.live().some((t) => t.kind === 'timeout' && t.delay === 500), 'a backoff timer is armed');
      assert.deepEqual(tracker.refed(), [], 'during a backoff');
    });

    it('rule 9: while forceFlush() is awaited a ref\'d timer holds the process; released when it resolves', async () => {
      tracker = new TimerTracker(clock);
      const exporter = new FakeExporter();
      const p = make(exporter);
      p.add(feature(1));
      const forced = p.forceFlush();
      await settle();
      assert.ok(tracker.refed().length >= 1, 'held during forceFlush');
      exporter.last.respond(OK);
      await forced;
      assert.deepEqual(tracker.refed(), []);
    });

    it('rule 9: while shutdown() is awaited a ref\'d timer holds the process; released when it resolves', async () => {
      tracker = new TimerTracker(clock);
      const exporter = new FakeExporter();
      const p = make(exporter);
      p.add(feature(1));
      const closing = p.shutdown();
      await settle();
      assert.ok(tracker.refed().length >= 1, 'held during shutdown');
      exporter.last.respond(OK);
      await closing;
      assert.deepEqual(tracker.refed(), []);
    });
  });

  describe('rule 10: forceFlush() during a running flush', () => {
    it('rule 10: waits for the running flush, then for its own events', async () => {
      const exporter = new FakeExporter();
      const p = make(exporter, { maxEventInMemory: 2 });
      addAll(p, features(1, 2));
      await settle();
      p.add(feature(3));
      const first = watch(p.forceFlush());
      const second = watch(p.forceFlush());
      await settle();
      assert.equal(exporter.calls.length, 1);
      exporter.last.respond(OK);
      await settle();
      assert.equal(first.done, false, 'u3 has not been tried yet');
      assert.deepEqual(exporter.last.keys, u(3));
      exporter.last.respond(failure());
      await settle();
      assert.equal(first.done, true, 'resolves once tried, even when the try failed');
      assert.equal(second.done, true);
    });

    it('rule 10: a forceFlush() called during another forceFlush() covers events added in between', async () => {
      const exporter = new FakeExporter();
      const p = make(exporter);
      p.add(feature(1));
      const first = watch(p.forceFlush());
      await settle();
      p.add(feature(2));
      const second = watch(p.forceFlush());
      exporter.last.respond(OK);
      await settle();
      assert.equal(first.done, true);
      assert.equal(second.done, false);
      assert.deepEqual(exporter.last.keys, u(2));
      exporter.last.respond(OK);
      await settle();
      assert.equal(second.done, true);
    });
  });

  describe('rule 11 and §3: failures stay inside; exporters that answer in odd ways', () => {
    let unhandled: unknown[];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    beforeEach(() => {
      unhandled = [];
      process.on('unhandledRejection', onUnhandled);
    });
    afterEach(() => {
      process.off('unhandledRejection', onUnhandled);
    });

    it('rule 11: a failing export shows in stats() (failedExports, lastError) and diag, never as a throw or rejection', async () => {
      capture = new DiagCapture();
      const exporter = new FakeExporter(() => failure({ status: 503, code: 'E503' }, 'POST http://x failed: HTTP 503'));
      sinon.stub(exporter, 'forceFlush').rejects(new Error('flush rejected'));
      const p = make(exporter);
      p.add(feature(1));
      await clock.tickAsync(1_234);
      await p.forceFlush();
      const s = p.stats();
      assert.equal(s.failedExports, 1);
      assert.deepEqual(s.lastError, { message: 'POST http://x failed: HTTP 503', status: 503, code: 'E503', at: new Date(FAKE_NOW + 1_234) });
      assert.ok(capture.count(/HTTP 503/, 'warn') >= 1);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    });

    it('rule 11: an export that throws synchronously is a failed export, not an exception', async () => {
      const exporter = new FakeExporter(() => {
        throw new Error('kaboom');
      });
      const p = make(exporter);
      p.add(feature(1));
      assert.doesNotThrow(() => p.add(feature(2)));
      await p.forceFlush();
      assert.equal(p.stats().failedExports, 1);
      assert.equal(p.stats().lastError?.message, 'kaboom');
      assert.equal(p.stats().pending, 2);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    });

    it('§3: a synchronous success callback is not re-entered and does not spin', async () => {
      const exporter = new FakeExporter(() => OK);
      const p = make(exporter, { maxEventInMemory: 2, maxBufferedEvents: 100 });
      addAll(p, features(1, 10));
      await p.forceFlush();
      assert.equal(exporter.calls.length, 5);
      assert.equal(exporter.maxEntryDepth, 0, 'export was never called from inside its own callback');
      assert.equal(p.stats().delivered, 10);
    });

    it('§3: a synchronous failure callback does not spin: one attempt per flush trigger', async () => {
      const exporter = new FakeExporter(() => failure());
      const p = make(exporter, { flushInterval: 1_000, maxBatchSize: 1, maxEventInMemory: 1, maxBufferedEvents: 10 });
      addAll(p, features(1, 3));
      await settle();
      assert.equal(exporter.calls.length, 1);
      await p.forceFlush();
      assert.equal(exporter.calls.length, 2);
      await clock.tickAsync(1_000);
      assert.equal(exporter.calls.length, 3);
      assert.equal(exporter.maxEntryDepth, 0);
    });

    it('§3: an exporter that fails then succeeds delivers everything, in order', async () => {
      let n = 0;
      const exporter = new FakeExporter(() => (n++ < 2 ? failure() : OK));
      const p = make(exporter, { flushInterval: 1_000 });
      addAll(p, features(1, 3));
      await clock.tickAsync(3_000);
      assert.deepEqual(exporter.batches(), [u(1, 2, 3), u(1, 2, 3), u(1, 2, 3)]);
      assert.equal(p.stats().delivered, 3);
      assert.equal(p.stats().failedExports, 2);
    });

    it('§3: a callback called twice counts once', async () => {
      const exporter = new FakeExporter((call) => {
        call.respond(OK);
        return OK;
      });
      const p = make(exporter);
      addAll(p, features(1, 2));
      await p.forceFlush();
      assert.equal(p.stats().delivered, 2);
      assertAccounting(p);
    });
  });
});
