import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ExportableEvent } from '../events.js';
import type { EventExporter } from '../exporter.js';
import type { Batch } from './batch.js';

function failed(message: string, code: string): ExportResult {
  return { code: ExportResultCode.FAILED, error: Object.assign(new Error(message), { code }) };
}

/**
 * One export of one batch under its deadline (SPEC §4 rules 7 and 8): past
 * `exportTimeout`, or when `stop` aborts (the shutdown deadline), the export
 * is aborted through its signal and settles as failed even if the exporter
 * never calls back; a late or second callback is ignored. Never rejects.
 *
 * The deadline is a global setTimeout, not `AbortSignal.timeout`: that one is
 * always unref()ed and invisible to fake clocks, while rule 9 needs the
 * process held during shutdown, and tests drive every timer on one clock. Nor
 * `AbortSignal.any` with the processor's long-lived stop signal: on Node 20 each
 * such combined signal stays reachable from its source (about 1 KiB per
 * export, measured), so the stop listener is added and removed by hand.
 */
export function exportOperation(
  exporter: EventExporter<ExportableEvent>,
  batch: Batch,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<ExportResult> {
  return new Promise<ExportResult>((resolve) => {
    const controller = new AbortController();
    let settled = false;
    const settle = (result: ExportResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
      resolve(result);
    };
    const abortWith = (result: ExportResult): void => {
      controller.abort(result.error);
      settle(result);
    };
    const onStop = (): void => abortWith(failed('export aborted at the shutdown deadline', 'ESHUTDOWN'));
    const timer = setTimeout(() => abortWith(failed(`export timed out after ${timeoutMs} ms`, 'ETIMEDOUT')), timeoutMs);
    timer.unref();
    if (stop.aborted) return onStop();
    stop.addEventListener('abort', onStop, { once: true });
    try {
      exporter.export(batch.eventsForExport(), settle, { signal: controller.signal, batchId: batch.id, encoded: batch.encoded() });
    } catch (error) {
      settle({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  });
}
