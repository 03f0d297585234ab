// Heap bytes per buffered event: `config.pending` events held while the endpoint
// is down (connection refused), measured between two full GCs (run with --expose-gc).
// Events are built on the fly and not kept by the bench, so the heap growth is
// exactly what the processor retains for them.
import { config, deadPort, loadCore, runScenario, yieldToLoop } from '../child.mjs';
import { makeEvent, meanJsonBytes } from '../events.mjs';

const CHUNK = 10_000;
const gc = globalThis.gc;

function heapAfterGc() {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Waits (bounded) until no export is in flight, so nothing transient is on the heap. */
async function settle(processor) {
  for (let i = 0; i < 500 && processor.stats().inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
}

runScenario(async () => {
  if (typeof gc !== 'function') throw new Error('run with --expose-gc');
  const { BatchProcessor, WebhookExporter } = await loadCore();
  const exporter = new WebhookExporter({ endpointUrl: `http://127.0.0.1:${await deadPort()}/`, secret: config.secret, maxRetries: 0, timeout: 1_000 });
  const processor = new BatchProcessor(exporter, {
    flushInterval: 3_600_000,
    maxEventInMemory: Math.max(1, Math.round(config.pending / 4)),
    maxBufferedEvents: config.pending,
    exportTimeout: 1_000,
  });
  // One failed export first, so the failure path's code and objects exist before the baseline.
  processor.add(makeEvent(0));
  await processor.forceFlush();
  const before = heapAfterGc();
  const startPending = processor.stats().pending;
  for (let i = 1; i <= config.pending - startPending; i++) {
    processor.add(makeEvent(i));
    if (i % CHUNK === 0) await yieldToLoop();
  }
  await settle(processor);
  const after = heapAfterGc();
  const stats = processor.stats();
  const held = stats.pending + stats.inFlight - startPending;
  const jsonBytes = meanJsonBytes();
  await processor.shutdown();
  return { heapBytesPerEvent: (after - before) / held, jsonBytes, held, stats };
});
