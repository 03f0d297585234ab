/** Keeps the process alive while held; never fires. */
const HOLD_INTERVAL_MS = 2 ** 30;

/**
 * While a forceFlush() or shutdown() is awaited, one ref'd timer keeps the
 * process alive (SPEC §4 rule 9), so `await processor.shutdown()` as a
 * script's last line finishes its work; every other timer is unref()ed.
 */
export class ProcessHold {
  private holds = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Holds the process until the returned function is called (once; later calls do nothing). */
  acquire(): () => void {
    if (this.holds++ === 0) this.timer = setInterval(() => undefined, HOLD_INTERVAL_MS);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds === 0) clearInterval(this.timer);
    };
  }
}
