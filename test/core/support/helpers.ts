import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import sinon from 'sinon';
import type { BatchProcessor } from '../../../src/batch-processor.js';
import type { ExportableEvent, FeatureEvent, TrackingEvent } from '../../../src/events.js';
import type { EventExporter, ExportOptions } from '../../../src/exporter.js';

/* ------------------------------------------------------------------ events */

/** A valid feature event; `i` makes it recognisable (userKey `u<i>`). */
export function feature(i: number, extra: Partial<FeatureEvent> = {}): FeatureEvent {
  return {
    kind: 'feature',
    userKey: `u${i}`,
    creationDate: 1_700_000_000 + i,
    key: 'flag',
    variation: 'on',
    value: true,
    default: false,
    ...extra,
  };
}

export function tracking(i: number, extra: Partial<TrackingEvent> = {}): TrackingEvent {
  return {
    kind: 'tracking',
    userKey: `u${i}`,
    creationDate: 1_700_000_000 + i,
    key: 'checkout',
    evaluationContext: { targetingKey: `u${i}` },
    trackingEventDetails: { amount: i },
    ...extra,
  };
}

export function features(from: number, to: number): FeatureEvent[] {
  const out: FeatureEvent[] = [];
  for (let i = from; i <= to; i++) out.push(feature(i));
  return out;
}

/** The userKeys of a batch, to compare order and content at a glance. */
export function keysOf(batch: readonly ExportableEvent[]): string[] {
  return batch.map((event) => event.userKey);
}

/* ------------------------------------------------------------------ results */

export const OK: ExportResult = { code: ExportResultCode.SUCCESS };

export function failure(fields: { status?: number; code?: string; retryAfterMs?: number } = {}, message = 'boom'): ExportResult {
  return { code: ExportResultCode.FAILED, error: Object.assign(new Error(message), fields) };
}

/* ------------------------------------------------------------------ rule 6 */

/** SPEC §4 rule 6, checked on one snapshot. */
export function assertAccounting(processor: BatchProcessor, where = ''): void {
  const s = processor.stats();
  const sum = s.delivered + s.pending + s.inFlight + s.dropped.overflow + s.dropped.invalid + s.dropped.shutdown + s.dropped.corrupt;
  assert.equal(s.accepted, sum, `rule 6 broken ${where}: ${JSON.stringify(s)}`);
}

/* ------------------------------------------------------------------ a fake exporter */

export interface ExportCall {
  readonly index: number;
  readonly batch: ExportableEvent[];
  /** A copy of the events as they were when handed over. */
  readonly keys: string[];
  readonly signal: AbortSignal | undefined;
  /** The third argument as given (signal, batchId, encoded). */
  readonly options: ExportOptions | undefined;
  /** Date.now() when export was called (fake time in most tests). */
  readonly at: number;
  answered: boolean;
  /** Calls the processor's callback (once; later calls are passed through too, to test robustness). */
  respond(result: ExportResult): void;
}

/** What the fake answers: a result (synchronously, inside export) or undefined (the test answers later). */
export type Behaviour = (call: ExportCall) => ExportResult | undefined;

/**
 * A small EventExporter for processor tests. It records every call, can answer
 * synchronously or leave the answer to the test, and measures concurrency and
 * re-entrance.
 */
export class FakeExporter implements EventExporter {
  readonly calls: ExportCall[] = [];
  shutdownCalls = 0;
  forceFlushCalls = 0;
  /** Most exports running at once (not answered, not aborted) when one started. */
  maxConcurrent = 0;
  /** > 0 if export was entered while another export was on the stack. */
  maxEntryDepth = 0;
  private depth = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(private readonly behaviour: Behaviour = () => undefined) {}

  export(batch: ExportableEvent[], resultCallback: (result: ExportResult) => void, options?: ExportOptions): void {
    this.maxEntryDepth = Math.max(this.maxEntryDepth, this.depth);
    this.depth++;
    try {
      const running = this.calls.filter((c) => !c.answered && !c.signal?.aborted).length + 1;
      this.maxConcurrent = Math.max(this.maxConcurrent, running);
      const call: ExportCall = {
        index: this.calls.length,
        batch,
        keys: keysOf(batch),
        signal: options?.signal,
        options,
        at: Date.now(),
        answered: false,
        respond(result: ExportResult): void {
          call.answered = true;
          resultCallback(result);
        },
      };
      this.calls.push(call);
      this.waiters = this.waiters.filter((w) => {
        if (this.calls.length < w.count) return true;
        w.resolve();
        return false;
      });
      const result = this.behaviour(call);
      if (result !== undefined) call.respond(result);
    } finally {
      this.depth--;
    }
  }

  async forceFlush(): Promise<void> {
    this.forceFlushCalls++;
  }

  async shutdown(): Promise<void> {
    this.shutdownCalls++;
  }

  /** The latest call; fails the test when there is none. */
  get last(): ExportCall {
    const call = this.calls[this.calls.length - 1];
    assert.ok(call, 'expected an export call');
    return call;
  }

  /** Resolves once `count` export calls have been made. */
  whenCalls(count: number): Promise<void> {
    if (this.calls.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  batches(): string[][] {
    return this.calls.map((c) => c.keys);
  }
}

/* ------------------------------------------------------------------ fake time */

export const FAKE_NOW = Date.UTC(2024, 0, 1, 0, 0, 0);

/**
 * Fake timers for the library's timers, Date and performance.now only: I/O, setImmediate and
 * nextTick stay real so sockets, nock and axios keep working.
 */
export function fakeClock(): sinon.SinonFakeTimers {
  return sinon.useFakeTimers({
    now: FAKE_NOW,
    // performance too: a batch's formation is sliced by performance.now(), and a busy machine
    // stalling a real clock past a slice would push the rest of it to a later turn of the loop.
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
}

interface TrackedTimer {
  kind: 'timeout' | 'interval';
  delay: number;
  handle: NodeJS.Timeout;
  /** Started by this library's own code (src/), not by a dependency such as axios. */
  own: boolean;
}

/**
 * Records every timer created on the fake clock, so a test can ask which are
 * still scheduled and whether they keep the process alive (`hasRef()`).
 */
export class TimerTracker {
  readonly created: TrackedTimer[] = [];
  private readonly savedSetTimeout = globalThis.setTimeout;
  private readonly savedSetInterval = globalThis.setInterval;

  constructor(private readonly clock: sinon.SinonFakeTimers) {
    const track = (kind: TrackedTimer['kind'], original: typeof setTimeout) =>
      ((callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
        const handle = original(callback, delay, ...args);
        const caller = new Error().stack?.split('\n')[2] ?? '';
        const own = /[\\/]src[\\/]/.test(caller) && !caller.includes('node_modules');
        this.created.push({ kind, delay: delay ?? 0, handle, own });
        return handle;
      }) as unknown as typeof setTimeout;
    globalThis.setTimeout = track('timeout', this.savedSetTimeout);
    globalThis.setInterval = track('interval', this.savedSetInterval as unknown as typeof setTimeout) as unknown as typeof setInterval;
  }

  /** Timers that are still scheduled on the fake clock. */
  live(): TrackedTimer[] {
    // fake-timers keeps scheduled timers in a Map (or, in older versions, an object) keyed by id.
    const scheduled: unknown = (this.clock as unknown as { timers?: unknown }).timers;
    const has = (id: number): boolean =>
      scheduled instanceof Map
        ? scheduled.has(id)
        : typeof scheduled === 'object' && scheduled !== null && Object.prototype.hasOwnProperty.call(scheduled, String(id));
    return this.created.filter((t) => has(Number(t.handle)));
  }

  /** Scheduled timers that would keep a process alive. */
  refed(): TrackedTimer[] {
    return this.live().filter((t) => t.handle.hasRef());
  }

  restore(): void {
    globalThis.setTimeout = this.savedSetTimeout;
    globalThis.setInterval = this.savedSetInterval;
  }
}

/* ------------------------------------------------------------------ diag */

export interface DiagEntry {
  level: 'error' | 'warn' | 'info' | 'debug' | 'verbose';
  text: string;
}

/** Captures every diag message (all levels) until `dispose()`. */
export class DiagCapture {
  readonly entries: DiagEntry[] = [];
  private waiters: Array<{ pattern: RegExp; count: number; resolve: () => void }> = [];

  constructor() {
    const record =
      (level: DiagEntry['level']) =>
      (message: string, ...args: unknown[]): void => {
        const text = [message, ...args.map((a) => (typeof a === 'string' ? a : safeStringify(a)))].join(' ');
        this.entries.push({ level, text });
        this.waiters = this.waiters.filter((w) => {
          if (this.count(w.pattern) < w.count) return true;
          w.resolve();
          return false;
        });
      };
    const logger: DiagLogger = {
      error: record('error'),
      warn: record('warn'),
      info: record('info'),
      debug: record('debug'),
      verbose: record('verbose'),
    };
    diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  }

  count(pattern: RegExp, level?: DiagEntry['level']): number {
    return this.entries.filter((e) => pattern.test(e.text) && (level === undefined || e.level === level)).length;
  }

  /** Resolves once `count` messages match `pattern`. */
  waitFor(pattern: RegExp, count = 1): Promise<void> {
    if (this.count(pattern) >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pattern, count, resolve }));
  }

  dispose(): void {
    diag.disable();
  }
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/* ------------------------------------------------------------------ http */

export interface TestServer {
  server: http.Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** A real node:http server on 127.0.0.1, on a port the OS picks. */
export async function startServer(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (taken from the OS, then released). */
export async function deadPort(): Promise<number> {
  const s = await startServer(() => undefined);
  await s.close();
  return s.port;
}

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Resolves with the next value pushed; a tiny async queue for server-side events. */
export class Signal<T> {
  private readonly values: T[] = [];
  private readonly waiting: Array<(value: T) => void> = [];
  push(value: T): void {
    const next = this.waiting.shift();
    if (next) next(value);
    else this.values.push(value);
  }
  next(): Promise<T> {
    const value = this.values.shift();
    if (value !== undefined) return Promise.resolve(value);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
