/** Longest delay a Node timer holds; a larger one silently fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
const FIRST_BACKOFF_MS = 1_000;
/** A `Retry-After` is honoured up to this; past it the failure backs off as any other. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * When flushes may run (SPEC §4 rules 1 and 3): a fixed ticker from
 * construction, and after a failure a backoff (exponential from 1 s, factor
 * 2, full jitter, capped at flushInterval, at least any Retry-After) that
 * holds size-triggered flushes, while timed ones wait for Retry-After only.
 * Its timers are unref()ed: they never keep a process alive.
 */
export class FlushSchedule {
  private readonly ticker: NodeJS.Timeout;
  private backoffTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private backoffUntil = 0;
  private retryAfterUntil = 0;

  constructor(
    private readonly flushInterval: number,
    onTick: () => void,
    /** A size-triggered flush held by the backoff may look again. */
    private readonly onBackoffOver: () => void,
  ) {
    this.ticker = setInterval(onTick, flushInterval);
    this.ticker.unref();
  }

  /** True while the endpoint is failing (since the last failure, until a success). */
  get failing(): boolean {
    return this.failures > 0;
  }

  /** The one decision point: may a flush of this kind start now? A held size flush arms the backoff timer. */
  allows(kind: 'timer' | 'size'): boolean {
    const now = Date.now();
    if (kind === 'timer') return now >= this.retryAfterUntil;
    if (now >= this.backoffUntil) return true;
    if (this.backoffTimer === undefined) {
      this.backoffTimer = setTimeout(() => {
        this.backoffTimer = undefined;
        this.onBackoffOver();
      }, this.backoffUntil - now);
      this.backoffTimer.unref();
    }
    return false;
  }

  /** Whether a size flush is already waiting for the backoff to end. */
  get holdingSizeFlush(): boolean {
    return this.backoffTimer !== undefined;
  }

  failed(retryAfterMs: unknown): void {
    this.failures++;
    const now = Date.now();
    const ceiling = Math.min(this.flushInterval, FIRST_BACKOFF_MS * 2 ** Math.min(this.failures - 1, 30));
    // An endpoint cannot silence flushes for longer than the ceiling (nor past what a timer holds).
    const asked = typeof retryAfterMs === 'number' && retryAfterMs > 0 ? retryAfterMs : 0;
    const retryAfter = asked <= MAX_RETRY_AFTER_MS ? asked : 0;
    this.backoffUntil = now + Math.max(Math.random() * ceiling, retryAfter);
    this.retryAfterUntil = now + retryAfter;
  }

  /** A success resets the backoff; true when a size flush it was holding should look again now. */
  succeeded(): boolean {
    this.failures = 0;
    this.backoffUntil = 0;
    this.retryAfterUntil = 0;
    if (this.backoffTimer === undefined) return false;
    clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    return true;
  }

  stop(): void {
    clearInterval(this.ticker);
    clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
  }
}
