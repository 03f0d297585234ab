import type { OutStream } from './io.js';

/**
 * A single status line redrawn in place with `\r` on a terminal, and nothing at
 * all when the stream is not a terminal (so logs and pipes stay clean).
 */
export class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(
    private readonly stream: OutStream,
    private readonly render: () => string,
    private readonly intervalMs = 100,
  ) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  start(): void {
    if (!this.enabled || this.timer !== undefined) return;
    this.draw();
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref(); // the work being shown keeps the process alive, not the line
  }

  /** Prints a full line above the progress line, which is redrawn below it. */
  log(text: string): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.stream.write(`${text}\n`);
    if (this.drawn) this.draw();
  }

  /** Draws the final state and ends the line, so later output starts on a fresh one. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
    this.stream.write('\n');
    this.drawn = false;
  }

  private draw(): void {
    let text = this.render();
    // A line wider than the terminal wraps, and `\r` would then redraw only its tail.
    const columns = this.stream.columns;
    if (columns !== undefined && columns > 1 && text.length >= columns) text = text.slice(0, columns - 1);
    this.stream.write(`\r${text}\x1b[K`);
    this.drawn = true;
  }
}

/** A fixed-width text bar for a fraction in [0, 1]. */
export function bar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
