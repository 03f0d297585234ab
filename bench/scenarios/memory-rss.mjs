// An outage: the endpoint refuses connections while events keep coming.
//   1. A synchronous burst of 5 × maxBufferedEvents: no export can run in between,
//      so exactly 4 × cap must be dropped, and counted.
//   2. Another 5 × cap at an application's pace, flushes failing in between: RSS
//      must stay flat (no growth beyond what the burst already reached) and the
//      heap retained after a full GC must not grow.
// Run with --expose-gc.
import { config, deadPort, loadCore, runScenario, yieldToLoop } from '../child.mjs';
import { makeEvent } from '../events.mjs';

const CHUNK = 10_000;
const rss = () => process.memoryUsage.rss();
function retainedHeap() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

runScenario(async () => {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
  const { BatchProcessor, WebhookExporter } = await loadCore();
  const cap = config.cap;
  const exporter = new WebhookExporter({ endpointUrl: `http://127.0.0.1:${await deadPort()}/`, secret: config.secret, maxRetries: 0, timeout: 1_000 });
  const processor = new BatchProcessor(exporter, {
    flushInterval: 60_000,
    maxEventInMemory: Math.max(1, Math.round(cap / 4)),
    maxBufferedEvents: cap,
    exportTimeout: 1_000,
  });
  const rssStart = rss();
  let peakBurst = rssStart;

  let i = 0;
  for (; i < 5 * cap; i++) {
    processor.add(makeEvent(i));
    if (i % CHUNK === 0) peakBurst = Math.max(peakBurst, rss());
  }
  const burst = processor.stats();
  const exactExcess = burst.dropped.overflow === 4 * cap && burst.pending + burst.inFlight === cap;
  const rssAfterBurst = rss();
  peakBurst = Math.max(peakBurst, rssAfterBurst);
  const heapAfterBurst = retainedHeap();

  let peakOutage = 0;
  for (; i < 10 * cap; i++) {
    processor.add(makeEvent(i));
    if (i % CHUNK === 0) {
      peakOutage = Math.max(peakOutage, rss());
      await yieldToLoop();
    }
  }
  const rssEnd = rss();
  peakOutage = Math.max(peakOutage, rssEnd);
  const heapEnd = retainedHeap();
  const stats = processor.stats();
  await processor.shutdown();
  return {
    cap, rssStart, rssAfterBurst, rssEnd, peakBurst, peakOutage,
    peakRss: Math.max(peakBurst, peakOutage),
    // Flat: the paced outage adds nothing to what the burst already took.
    outageGrowth: peakOutage / peakBurst,
    retainedGrowth: heapEnd / heapAfterBurst,
    exactExcess, burst, stats,
  };
});
