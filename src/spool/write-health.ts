import { spoolLog } from './open-spool.js';

/** The last commit that could not be written, as a spool's stats show it. */
export interface SpoolWriteError {
  message: string;
  code?: string;
  at: Date;
}

/** After a failed commit the next one waits `syncEvery` at first, doubling up to this. */
const MAX_RETRY_MS = 30_000;

/**
 * How a spool's writes fare: failed commits are counted, warned about once
 * per outage (a full disk, an I/O error), and retried with a backoff, so a
 * disk that stays full costs neither a warning per commit nor the CPU of
 * serializing everything again every `syncEvery`.
 */
export class WriteHealth {
  failedCommits = 0;
  private inARow = 0;
  private retryAt = 0;
  private last: SpoolWriteError | undefined;

  constructor(
    private readonly directory: string,
    private readonly syncEvery: number,
  ) {}

  /** False while the backoff after a failure runs. */
  mayTry(): boolean {
    return Date.now() >= this.retryAt;
  }

  /** For the final commit of close(): try at once. */
  skipBackoff(): void {
    this.retryAt = 0;
  }

  get lastError(): SpoolWriteError | undefined {
    return this.last && { ...this.last, at: new Date(this.last.at) };
  }

  succeeded(): void {
    if (this.inARow === 0) return;
    spoolLog.info(`spool ${this.directory}: writes succeed again`);
    this.inARow = 0;
    this.retryAt = 0;
  }

  failed(error: unknown): void {
    const { message, code } = error as NodeJS.ErrnoException;
    this.failedCommits++;
    this.last = { message: String(message), at: new Date() };
    if (typeof code === 'string') this.last.code = code;
    if (this.inARow++ === 0) {
      spoolLog.warn(
        `spool ${this.directory}: cannot write (${code ?? message}); events stay in memory and are still ` +
          'delivered, but a crash before writes succeed again loses them (see stats of the spool)',
      );
    }
    this.retryAt = Date.now() + Math.min(MAX_RETRY_MS, this.syncEvery * 2 ** Math.min(this.inARow, 16));
  }
}
