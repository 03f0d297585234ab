import assert from 'node:assert/strict';
import sinon from 'sinon';
import { BatchProcessor } from '../../src/batch-processor.js';
import { OK, FakeExporter, assertAccounting, failure, fakeClock, feature, features } from '../core/support/helpers.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

describe('reliability at the edges (issue 12)', () => {
  let clock: sinon.SinonFakeTimers;
  const processors: BatchProcessor[] = [];
  const make = (exporter: FakeExporter, options = {}): BatchProcessor => {
    const processor = new BatchProcessor(exporter, options);
    processors.push(processor);
    return processor;
  };

  beforeEach(() => {
    clock = fakeClock();
  });
  afterEach(async () => {
    const closing = Promise.all(processors.splice(0).map((p) => p.shutdown()));
    await clock.tickAsync(10 * 60_000);
    await closing;
    // One restore, in reverse order: a stub laid over the fake setTimeout goes before the
    // clock, or restoring it would put the dead fake back on globalThis for later files.
    sinon.restore();
  });

  describe('durations a timer can hold', () => {
    for (const name of ['flushInterval', 'exportTimeout'] as const) {
      it(`${name} above 2^31−1 ms is a RangeError naming it; 2^31−1 itself is accepted`, () => {
        assert.throws(() => new BatchProcessor(new FakeExporter(), { [name]: 2 ** 31 }), (error: Error) => {
          assert.ok(error instanceof RangeError);
          assert.match(error.message, new RegExp(`${name} must be at most 2147483647 ms \\(2147483648 given\\)`));
          return true;
        });
        assert.throws(() => new BatchProcessor(new FakeExporter(), { [name]: Number.MAX_SAFE_INTEGER }), RangeError);
        make(new FakeExporter(), { [name]: MAX_TIMER_MS });
      });
    }

    it('a Retry-After of 3,000,000 s is not honoured: no timer past 2^31−1 ms, no 1 ms re-arm, normal backoff', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      const warnings: string[] = [];
      const onWarning = (warning: Error): void => void warnings.push(warning.name);
      process.on('warning', onWarning);
      const armed: number[] = [];
      const realSetTimeout = globalThis.setTimeout;
      // Its own sandbox, restored in this test's finally while the fake clock is still installed: in the
      // default sandbox, afterEach's sinon.restore() (after clock.restore()) would put the fake clock's
      // setTimeout back as the global one, and every later test file's timers would never fire.
      const timers = sinon.createSandbox();
      timers.stub(globalThis, 'setTimeout').callsFake(((fn: () => void, ms?: number) => {
        armed.push(ms ?? 0);
        return realSetTimeout(fn, ms);
      }) as typeof setTimeout);
      try {
        let n = 0;
        const exporter = new FakeExporter(() => (n++ === 0 ? failure({ status: 429, retryAfterMs: 3_000_000_000 }) : OK));
        const p = make(exporter, { maxEventInMemory: 2 });
        p.add(feature(1));
        await p.forceFlush();
        p.add(feature(2)); // size trigger: waits for the first backoff, full jitter of 1 s at 0.5
        await clock.tickAsync(499);
        assert.equal(exporter.calls.length, 1);
        await clock.tickAsync(1);
        assert.deepEqual(exporter.batches(), [['u1'], ['u1'], ['u2']], 'flushed after the normal backoff, not after 34 days');
        assert.equal(p.stats().delivered, 2);
        assert.ok(armed.every((ms) => ms <= MAX_TIMER_MS), `every timer fits: ${armed.join(', ')}`);
        assert.ok(armed.filter((ms) => ms === 1).length === 0, 'no 1 ms re-arm');
        await new Promise<void>((resolve) => setImmediate(resolve));
        assert.ok(!warnings.includes('TimeoutOverflowWarning'));
      } finally {
        timers.restore();
        process.off('warning', onWarning);
      }
    });

    it('a Retry-After up to one hour is still honoured by timed flushes', async () => {
      let n = 0;
      const exporter = new FakeExporter(() => (n++ === 0 ? failure({ status: 503, retryAfterMs: 3_600_000 }) : OK));
      const p = make(exporter, { flushInterval: 60_000 });
      p.add(feature(1));
      await p.forceFlush();
      await clock.tickAsync(3_600_000 - 1);
      assert.equal(exporter.calls.length, 1, 'ticks inside the hour are skipped');
      await clock.tickAsync(60_000);
      assert.equal(exporter.calls.length, 2);
    });
  });

  describe('an exporter that never settles its own steps', () => {
    class HungExporter extends FakeExporter {
      override forceFlush(): Promise<void> {
        this.forceFlushCalls++;
        return new Promise(() => undefined);
      }
      override shutdown(): Promise<void> {
        this.shutdownCalls++;
        return new Promise(() => undefined);
      }
    }

    it('forceFlush() resolves within exportTimeout of the exporter forceFlush', async () => {
      const exporter = new HungExporter(() => OK);
      const p = make(exporter, { exportTimeout: 1_000 });
      p.add(feature(1));
      let done = false;
      void p.forceFlush().then(() => (done = true));
      await clock.tickAsync(999);
      assert.equal(done, false);
      await clock.tickAsync(1);
      assert.equal(done, true);
      assert.equal(exporter.forceFlushCalls, 1);
      assert.equal(p.stats().delivered, 1);
    });

    it('shutdown() resolves at its deadline, counting what was not delivered', async () => {
      const exporter = new HungExporter(() => undefined); // exports never answer either
      const p = new BatchProcessor(exporter, { exportTimeout: 2_000 });
      p.add(feature(1));
      p.add(feature(2));
      let done = false;
      void p.shutdown().then(() => (done = true));
      await clock.tickAsync(1_999);
      assert.equal(done, false);
      await clock.tickAsync(1);
      assert.equal(done, true);
      assert.equal(exporter.shutdownCalls, 1);
      assert.equal(p.stats().dropped.shutdown, 2);
      assertAccounting(p, 'after shutdown');
    });

    it('shutdown() resolves at its deadline when only the exporter shutdown hangs', async () => {
      const exporter = new HungExporter(() => OK);
      const p = new BatchProcessor(exporter, { exportTimeout: 2_000 });
      p.add(feature(1));
      let done = false;
      void p.shutdown().then(() => (done = true));
      await clock.tickAsync(2_000);
      assert.equal(done, true);
      assert.equal(p.stats().delivered, 1);
    });
  });

  describe('the 413 split floor', () => {
    it('an endpoint answering 413 to everything gets O(log n) requests per flush, all events accounted', async () => {
      const exporter = new FakeExporter(() => failure({ status: 413 }));
      const p = make(exporter, { maxEventInMemory: 1_000 });
      for (const event of features(1, 1_000)) p.add(event);
      await p.forceFlush();
      const budget = 2 * Math.ceil(Math.log2(1_001)) + 2;
      assert.ok(exporter.calls.length <= budget + 2, `${exporter.calls.length} requests, not 2n − 1 = 1999`);
      assert.equal(p.stats().dropped.invalid, 1_000);
      assert.equal(p.stats().failedExports, 0, 'a 413 is not a failed export');
      assertAccounting(p, 'after the floor');
    });

    it('above the floor, a single event too large alone is still isolated and dropped alone', async () => {
      const exporter = new FakeExporter((call) =>
        call.batch.some((event) => event.userKey === 'u637') ? failure({ status: 413 }) : OK,
      );
      const p = make(exporter, { maxEventInMemory: 1_000 });
      for (const event of features(1, 1_000)) p.add(event);
      await p.forceFlush();
      assert.equal(p.stats().dropped.invalid, 1);
      assert.equal(p.stats().delivered, 999);
      assertAccounting(p, 'after isolating one event');
    });
  });
});
