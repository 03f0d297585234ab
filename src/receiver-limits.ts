/**
 * Bounded memory for receivers (issue 12 item 6, issue 13): a byte budget
 * shared by the bodies buffered at once, and a bounded memory of webhook ids.
 * Runtime-neutral (no `node:` import).
 */

/** The bytes buffered by all requests of one receiver at once. */
export class ByteBudget {
  private used = 0;

  constructor(private readonly limit: number) {}

  /** Whether `bytes` more would still fit. */
  fits(bytes: number): boolean {
    return this.used + bytes <= this.limit;
  }

  /** Takes `bytes` when they fit; false (nothing taken) when they do not. */
  take(bytes: number): boolean {
    if (!this.fits(bytes)) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  /** What is held now (for tests and stats). */
  get held(): number {
    return this.used;
  }
}

/** One request's share of a ByteBudget, given back whole once its answer is decided. */
export class BudgetShare {
  private bytes = 0;
  private closed = false;

  constructor(private readonly budget: ByteBudget) {}

  /** Whether `bytes` more would fit in the budget now. */
  fits(bytes: number): boolean {
    return !this.closed && this.budget.fits(bytes);
  }

  take(bytes: number): boolean {
    if (this.closed || !this.budget.take(bytes)) return false;
    this.bytes += bytes;
    return true;
  }

  release(): void {
    if (this.closed) return;
    this.closed = true;
    this.budget.give(this.bytes);
    this.bytes = 0;
  }
}

/**
 * The webhook ids already processed, each for `windowMs`, at most `maxIds`
 * (the oldest forgotten first), and those being processed now.
 */
export class ReplayGuard {
  /** id → when it is forgotten; a Map keeps insertion order, oldest first. */
  private readonly seen = new Map<string, number>();
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly windowMs: number,
    private readonly maxIds: number,
  ) {}

  /** 'seen' within the window, 'in-flight' while another delivery of it runs, else 'new'. */
  state(id: string, now: number = Date.now()): 'seen' | 'in-flight' | 'new' {
    this.prune(now);
    const expires = this.seen.get(id);
    if (expires !== undefined && expires > now) return 'seen';
    return this.inFlight.has(id) ? 'in-flight' : 'new';
  }

  begin(id: string): void {
    this.inFlight.add(id);
  }

  /** Ends a delivery; a processed one is remembered for the window. */
  end(id: string, processed: boolean, now: number = Date.now()): void {
    this.inFlight.delete(id);
    if (!processed) return;
    this.seen.delete(id);
    this.seen.set(id, now + this.windowMs);
    while (this.seen.size > this.maxIds) this.seen.delete(this.seen.keys().next().value as string);
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(now: number): void {
    for (const [id, expires] of this.seen) {
      if (expires > now) break; // insertion order is expiry order: one window for all
      this.seen.delete(id);
    }
  }
}
