import assert from 'node:assert/strict';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import fc from 'fast-check';
import sinon from 'sinon';
import { BatchProcessor } from '../../src/batch-processor.js';
import type { ExportableEvent } from '../../src/events.js';
import type { EventExporter, ExportOptions } from '../../src/exporter.js';
import { assertAccounting } from './support/accounting.js';
import { featureEvent } from './support/events.js';

const OPTIONS = { flushInterval: 1_000, maxEventInMemory: 5, maxBufferedEvents: 12, maxBatchSize: 4, exportTimeout: 500 };

type AnswerMode = 'park' | 'succeed at once' | 'fail at once';

type Command =
  | { kind: 'add'; count: number; invalidEvery: number }
  | { kind: 'forceFlush' }
  | { kind: 'succeed' }
  | { kind: 'fail'; retryAfterMs: number | null }
  | { kind: 'tooLarge' }
  | { kind: 'tick'; ms: number }
  | { kind: 'answerMode'; mode: AnswerMode }
  | { kind: 'shutdown' };

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), count: fc.integer({ min: 1, max: 8 }), invalidEvery: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'forceFlush' as const }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'succeed' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fail' as const), retryAfterMs: fc.option(fc.integer({ min: 0, max: 3_000 })) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'tooLarge' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 1_500 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('answerMode' as const), mode: fc.constantFrom<AnswerMode>('park', 'succeed at once', 'fail at once') }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'shutdown' as const }) },
);

interface Parked {
  batch: ExportableEvent[];
  callback: (result: ExportResult) => void;
}

const keyIndex = (event: ExportableEvent): number => Number(event.userKey.slice(1));
const contentsOf = (batch: readonly ExportableEvent[]): string => batch.map((event) => event.userKey).join(',');

/**
 * A controllable exporter: each export is parked until a command resolves it
 * (or answered at once, synchronously, in the other modes). It checks, as the
 * processor calls it, what SPEC §4 says about the calls themselves.
 */
class ParkingExporter implements EventExporter {
  mode: AnswerMode = 'park';
  parked: Parked | undefined;
  readonly delivered: string[] = [];
  readonly everExported = new Set<string>();
  readonly violations: string[] = [];
  /** Failed exports so far (a failure ends a flush pass early: later batches wait). */
  failures = 0;
  /** Batches the processor must send again first, oldest first (failed ones, and 413 halves). */
  front: string[] = [];
  private skippedByOverflow = 0;
  private readonly contents = new WeakMap<ExportableEvent[], string>();
  stats: () => { overflow: number } = () => ({ overflow: 0 });

  export(batch: ExportableEvent[], callback: (result: ExportResult) => void, options?: ExportOptions): void {
    if (this.parked) this.violations.push('rule 2: a second export while one is in flight');
    const contents = contentsOf(batch);
    const earlier = this.contents.get(batch);
    if (earlier !== undefined && earlier !== contents) this.violations.push(`rule 3: batch [${earlier}] came back as [${contents}]`);
    this.contents.set(batch, contents);
    this.checkAgainstFront(batch, contents);
    for (const event of batch) this.everExported.add(event.userKey);

    if (this.mode === 'succeed at once') return this.answer({ batch, callback }, 'success');
    if (this.mode === 'fail at once') return this.answer({ batch, callback }, 'failure');
    const parked: Parked = { batch, callback };
    this.parked = parked;
    options?.signal?.addEventListener('abort', () => {
      // The processor gave up on it (deadline): for it, a failure; the batch goes back to the front.
      if (this.parked !== parked) return;
      this.parked = undefined;
      this.failures++;
      this.front.unshift(contents);
    });
  }

  /** Resolves the parked export, if any. */
  resolve(outcome: 'success' | 'failure' | '413', retryAfterMs?: number): void {
    const parked = this.parked;
    if (!parked) return;
    this.parked = undefined;
    this.answer(parked, outcome, retryAfterMs);
  }

  forgetFront(): void {
    this.front = [];
  }

  async shutdown(): Promise<void> {}

  private answer(parked: Parked, outcome: 'success' | 'failure' | '413', retryAfterMs?: number): void {
    const { batch, callback } = parked;
    if (outcome === 'success') {
      for (const event of batch) this.delivered.push(event.userKey);
      return callback({ code: ExportResultCode.SUCCESS });
    }
    if (outcome === '413') {
      if (batch.length > 1) {
        const middle = Math.ceil(batch.length / 2);
        this.front.unshift(contentsOf(batch.slice(0, middle)), contentsOf(batch.slice(middle)));
      }
      return callback({ code: ExportResultCode.FAILED, error: Object.assign(new Error('HTTP 413'), { status: 413 }) });
    }
    this.failures++;
    this.front.unshift(contentsOf(batch));
    const error = Object.assign(new Error('HTTP 503'), { status: 503 }, retryAfterMs === undefined ? {} : { retryAfterMs });
    callback({ code: ExportResultCode.FAILED, error });
  }

  /** A waiting batch is sent before anything else, as the same events; one dropped whole by overflow is skipped. */
  private checkAgainstFront(batch: ExportableEvent[], contents: string): void {
    while (this.front.length > 0 && this.front[0] !== contents) {
      const skipped = this.front.shift()!;
      this.skippedByOverflow += skipped.split(',').length;
      if (this.skippedByOverflow > this.stats().overflow) {
        this.violations.push(`rule 3: waiting batch [${skipped}] was neither sent first nor dropped whole by overflow (got [${contents}])`);
      }
    }
    if (this.front.length > 0) {
      this.front.shift();
      return;
    }
    for (const event of batch) {
      if (this.everExported.has(event.userKey)) this.violations.push(`rule 3: ${event.userKey} re-sent in a new batch [${contents}]`);
    }
  }
}

/** The same, with the optional prepare(): the processor then forms (and may trim) a batch ahead. */
let preparedInAllRuns = 0;
class PreparingParkingExporter extends ParkingExporter {
  prepare(batch: ExportableEvent[]): void {
    if (batch.length === 0) this.violations.push('prepare of an empty batch');
    preparedInAllRuns++;
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function run(commands: Command[], withPrepare = false): Promise<void> {
  const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  try {
    const exporter = withPrepare ? new PreparingParkingExporter() : new ParkingExporter();
    const processor = new BatchProcessor(exporter, OPTIONS);
    exporter.stats = () => ({ overflow: processor.stats().dropped.overflow });
    const invalidKeys = new Set<string>();
    const flushes: Array<{ settled: boolean; rejected: boolean }> = [];
    let added = 0;
    let shutdown: Promise<void> | undefined;

    const check = (where: string): void => {
      assertAccounting(processor.stats(), OPTIONS.maxBufferedEvents, where);
      assert.deepEqual(exporter.violations, [], where);
    };

    /**
     * Rule 10: once forceFlush() resolves, every event added before it was tried or dropped,
     * unless an export failed meanwhile (a flush stops at its first failed batch, rule 3).
     */
    const trackFlush = (promise: Promise<void>, addedBefore: number): void => {
      const record = { settled: false, rejected: false };
      const failuresBefore = exporter.failures;
      flushes.push(record);
      promise.then(
        () => {
          record.settled = true;
          if (exporter.failures > failuresBefore) return;
          let neverTried = 0;
          for (let i = 0; i < addedBefore; i++) if (!exporter.everExported.has(`k${i}`)) neverTried++;
          const { dropped } = processor.stats();
          const droppedTotal = dropped.overflow + dropped.invalid + dropped.shutdown;
          if (neverTried > droppedTotal) exporter.violations.push(`rule 10: forceFlush resolved with ${neverTried} earlier events never tried`);
        },
        () => {
          record.rejected = true;
        },
      );
    };

    for (const [step, command] of commands.entries()) {
      switch (command.kind) {
        case 'add':
          for (let i = 0; i < command.count; i++) {
            const userKey = `k${added++}`;
            const invalid = command.invalidEvery > 0 && added % command.invalidEvery === 0;
            if (invalid) invalidKeys.add(userKey);
            processor.add(featureEvent(userKey, invalid ? { creationDate: 1.5 } : {}));
            check(`after adding ${userKey}`);
          }
          break;
        case 'forceFlush':
          trackFlush(processor.forceFlush(), added);
          break;
        case 'succeed':
          exporter.resolve('success');
          break;
        case 'fail':
          exporter.resolve('failure', command.retryAfterMs ?? undefined);
          break;
        case 'tooLarge':
          exporter.resolve('413');
          break;
        case 'tick':
          await clock.tickAsync(command.ms);
          break;
        case 'answerMode':
          exporter.mode = command.mode;
          break;
        case 'shutdown':
          shutdown ??= processor.shutdown().then(() => exporter.forgetFront());
          break;
      }
      await settle();
      check(`after step ${step} (${JSON.stringify(command)})`);
    }

    // The endpoint recovers: everything still pending goes through, then shutdown.
    exporter.mode = 'succeed at once';
    for (let round = 0; round < 10 && exporter.parked; round++) {
      exporter.resolve('success');
      await settle();
    }
    if (!shutdown) {
      const final = processor.forceFlush();
      trackFlush(final, added);
      await clock.tickAsync(OPTIONS.exportTimeout);
      await final;
      const stats = processor.stats();
      assert.equal(stats.pending + stats.inFlight, 0, 'a working endpoint drains everything');
      shutdown = processor.shutdown();
    }
    await clock.tickAsync(OPTIONS.exportTimeout);
    await shutdown;
    await settle();
    check('after the final shutdown');

    const stats = processor.stats();
    assert.equal(stats.accepted, added);
    assert.equal(stats.pending + stats.inFlight, 0);
    assert.equal(stats.delivered, exporter.delivered.length);
    const { overflow, invalid, shutdown: atShutdown } = stats.dropped;
    assert.equal(added - exporter.delivered.length, overflow + invalid + atShutdown, 'every event not delivered is counted dropped');
    assert.ok(invalid >= [...invalidKeys].filter((key) => Number(key.slice(1)) < added).length - overflow - atShutdown);
    // Delivered order is add order minus the dropped ones: strictly increasing, never twice, never an invalid one.
    let previous = -1;
    for (const key of exporter.delivered) {
      const index = keyIndex(featureEvent(key));
      assert.ok(index > previous, `${key} delivered out of order or twice: ${exporter.delivered.join(' ')}`);
      assert.ok(!invalidKeys.has(key), `invalid event ${key} was delivered`);
      previous = index;
    }
    assert.ok(flushes.every((flush) => flush.settled && !flush.rejected), 'every forceFlush resolved, none rejected');
  } finally {
    clock.restore();
  }
}

describe('BatchProcessor against a model (fast-check)', function () {
  this.timeout(30_000);

  it('any sequence of add / flush / success / failure / 413 / time / shutdown keeps order, ids and the accounting', async () => {
    await fc.assert(fc.asyncProperty(fc.array(commandArbitrary, { maxLength: 60 }), (commands) => run(commands)), { numRuns: 300 });
  });

  it('the same with long runs of adds and failures (overflow while the endpoint fails)', async () => {
    const failingRun = fc.array(
      fc.oneof(
        { weight: 5, arbitrary: fc.record({ kind: fc.constant('add' as const), count: fc.integer({ min: 1, max: 12 }), invalidEvery: fc.constant(0) }) },
        { weight: 4, arbitrary: fc.record({ kind: fc.constant('fail' as const), retryAfterMs: fc.option(fc.integer({ min: 0, max: 3_000 })) }) },
        { weight: 1, arbitrary: commandArbitrary },
      ),
      { minLength: 20, maxLength: 80 },
    );
    await fc.assert(fc.asyncProperty(failingRun, (commands) => run(commands)), { numRuns: 150 });
  });

  it('the same with an exporter that prepares batches ahead (formed while another is in flight)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArbitrary, { maxLength: 60 }), (commands) => run(commands, true)),
      { numRuns: 300 },
    );
    assert.ok(preparedInAllRuns > 0, 'the runs did form batches ahead');
  });
});
