import { flagAndVariation, terminalSafe } from '../batch-summary.js';

/**
 * What the live page shows, aggregated on the server as batches arrive, so the
 * page gets one small snapshot per push however many events arrive: per-second
 * counts over a sliding window, totals, and the latest events (capped). Memory
 * is bounded: at most MAX_SERIES flag/variation series, LATEST_EVENTS events.
 */

/** Seconds of history in the charts. */
export const WINDOW_SECONDS = 60;
/** Distinct flag/variation pairs kept apart; later ones are summed into OTHER. */
export const MAX_SERIES = 100;
/** Latest events kept for the table. */
export const LATEST_EVENTS = 100;
/** Batch sizes kept for the sizes chart. */
const RECENT_BATCHES = 40;
/** Longest text kept for a key, a variation, a value or a meta. */
const MAX_TEXT = 160;
/** The series that sums every flag/variation pair past MAX_SERIES. */
export const OTHER = { flag: '(other flags)', variation: '' };

export interface SeriesSnapshot {
  flag: string;
  variation: string;
  total: number;
  /** Evaluations per second, oldest first, WINDOW_SECONDS entries. */
  perSecond: number[];
}

export interface LatestEvent {
  /** Receive time, ms since the epoch. */
  at: number;
  batchId: string;
  flag: string;
  variation: string;
  userKey: string;
  value: string;
  meta: string;
}

export interface LiveSnapshot {
  /** The second (ms since the epoch) of the newest entry of every perSecond array. */
  now: number;
  windowSeconds: number;
  totals: { batches: number; events: number; signatureFailures: number; rejected: number; duplicates: number };
  series: SeriesSnapshot[];
  batchesPerSecond: number[];
  eventsPerSecond: number[];
  /** Sizes of the latest batches, oldest first. */
  recentBatchSizes: number[];
  /** Newest first. */
  latest: LatestEvent[];
}

/** The fields of a received event the page shows (the receiver checks only `kind`). */
interface ReceivedEvent {
  kind?: unknown;
  key?: unknown;
  variation?: unknown;
  userKey?: unknown;
  value?: unknown;
  trackingEventDetails?: unknown;
}

interface Series {
  flag: string;
  variation: string;
  total: number;
  buckets: Float64Array;
}

/** Short display text: JSON for values, cut to MAX_TEXT, without control characters. */
function preview(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = '(unprintable)';
  }
  return terminalSafe(text.length > MAX_TEXT * 2 ? text.slice(0, MAX_TEXT * 2) : text, MAX_TEXT);
}

export class LiveStats {
  /** Bumped on every change; the server pushes only when it moved. */
  version = 0;
  private readonly series = new Map<string, Series>();
  private readonly batches = new Float64Array(WINDOW_SECONDS);
  private readonly events = new Float64Array(WINDOW_SECONDS);
  private readonly totals = { batches: 0, events: 0, signatureFailures: 0, rejected: 0, duplicates: 0 };
  private readonly sizes: number[] = [];
  private readonly latest: LatestEvent[] = []; // a ring once full
  private latestNext = 0;
  private second: number;

  constructor(private readonly clock: () => number = Date.now) {
    this.second = Math.floor(clock() / 1000);
  }

  /** Counts a batch the receiver accepted (a duplicate is only counted as one). */
  recordBatch(events: readonly ReceivedEvent[], meta: unknown, batchId: string | undefined, duplicate = false): void {
    const slot = this.advance();
    this.version++;
    if (duplicate) {
      this.totals.duplicates++;
      return;
    }
    this.totals.batches++;
    this.totals.events += events.length;
    this.batches[slot]++;
    this.events[slot] += events.length;
    this.sizes.push(events.length);
    if (this.sizes.length > RECENT_BATCHES) this.sizes.shift();
    for (const event of events) {
      const [flag, variation] = flagAndVariation(event);
      const series = this.seriesFor(flag, variation);
      series.total++;
      series.buckets[slot]++;
    }
    // Only the last LATEST_EVENTS of a batch can be in the table: preview just those.
    const at = this.clock();
    const metaText = meta === undefined ? '' : preview(meta);
    const id = batchId === undefined ? '' : preview(batchId);
    for (const event of events.slice(-LATEST_EVENTS)) {
      const [flag, variation] = flagAndVariation(event);
      this.pushLatest({
        at,
        batchId: id,
        flag: preview(flag),
        variation: preview(variation),
        userKey: preview(event.userKey ?? ''),
        value: preview(event.kind === 'tracking' ? (event.trackingEventDetails ?? '') : event.value),
        meta: metaText,
      });
    }
  }

  /** Counts a refused request: 401 is a signature failure, anything else a rejection. */
  recordRejection(status: number): void {
    this.advance();
    this.version++;
    if (status === 401) this.totals.signatureFailures++;
    else this.totals.rejected++;
  }

  snapshot(): LiveSnapshot {
    this.advance();
    const series = [...this.series.values()]
      .sort((a, b) => (a.flag < b.flag ? -1 : a.flag > b.flag ? 1 : a.variation < b.variation ? -1 : a.variation > b.variation ? 1 : 0))
      .map(({ flag, variation, total, buckets }) => ({ flag, variation, total, perSecond: this.chronological(buckets) }));
    const latest = [...this.latest.slice(this.latestNext), ...this.latest.slice(0, this.latestNext)].reverse();
    return {
      now: this.second * 1000,
      windowSeconds: WINDOW_SECONDS,
      totals: { ...this.totals },
      series,
      batchesPerSecond: this.chronological(this.batches),
      eventsPerSecond: this.chronological(this.events),
      recentBatchSizes: [...this.sizes],
      latest,
    };
  }

  private seriesFor(flag: string, variation: string): Series {
    const id = JSON.stringify([flag, variation]);
    const known = this.series.get(id);
    if (known !== undefined) return known;
    const past = this.series.size >= MAX_SERIES;
    const key = past ? JSON.stringify([OTHER.flag, OTHER.variation]) : id;
    let series = this.series.get(key);
    if (series === undefined) {
      const name = past ? OTHER : { flag: preview(flag), variation: preview(variation) };
      series = { ...name, total: 0, buckets: new Float64Array(WINDOW_SECONDS) };
      this.series.set(key, series);
    }
    return series;
  }

  private pushLatest(event: LatestEvent): void {
    if (this.latest.length < LATEST_EVENTS) {
      this.latest.push(event);
      return;
    }
    this.latest[this.latestNext] = event;
    this.latestNext = (this.latestNext + 1) % LATEST_EVENTS;
  }

  /** Moves the window to the current second, zeroing the seconds that passed; returns its slot. */
  private advance(): number {
    const now = Math.floor(this.clock() / 1000);
    const passed = Math.min(now - this.second, WINDOW_SECONDS);
    for (let i = 1; i <= passed; i++) {
      const slot = (this.second + i) % WINDOW_SECONDS;
      this.batches[slot] = 0;
      this.events[slot] = 0;
      for (const series of this.series.values()) series.buckets[slot] = 0;
    }
    if (now > this.second) this.second = now;
    return this.second % WINDOW_SECONDS;
  }

  private chronological(buckets: Float64Array): number[] {
    const out: number[] = [];
    for (let i = WINDOW_SECONDS - 1; i >= 0; i--) out.push(buckets[(this.second - i + WINDOW_SECONDS * 2) % WINDOW_SECONDS]);
    return out;
  }
}
