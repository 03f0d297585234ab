import type { ExportableEvent } from '../events.js';
import type { EventExporter } from '../exporter.js';
import { processorLog } from './log.js';

/**
 * Runs the exporter's own forceFlush or shutdown, waited for until `bound` aborts or for `bound`
 * ms at most (a user exporter may never settle); never rejects.
 */
export function exporterStep(
  exporter: EventExporter<ExportableEvent>,
  name: 'forceFlush' | 'shutdown',
  bound: AbortSignal | number,
): Promise<void> {
  let running: Promise<void> | undefined;
  try {
    running = name === 'shutdown' ? exporter.shutdown() : exporter.forceFlush?.();
  } catch (error) {
    running = Promise.reject(error);
  }
  if (running === undefined) return Promise.resolve();
  const settled = Promise.resolve(running).catch((error: unknown) => {
    processorLog.warn(`exporter ${name} failed: ${(error as Error)?.message}`);
  });
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const signal = typeof bound === 'number' ? undefined : bound;
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = (): void => {
      processorLog.warn(`exporter ${name} did not settle in time; not waiting for it`);
      finish();
    };
    if (typeof bound === 'number') {
      timer = setTimeout(onAbort, bound);
      timer.unref();
    } else if (bound.aborted) {
      return onAbort();
    } else {
      bound.addEventListener('abort', onAbort, { once: true });
    }
    void settled.then(finish);
  });
}
