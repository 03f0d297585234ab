// An outage: the endpoint refuses connections while 5 × maxBufferedEvents events
// are added. First as one synchronous burst (it must drop exactly the excess,
// counted), then at an application's pace with flushes failing in between.
// RSS is sampled throughout; it should stay flat once the cap is reached.
import { config, deadPort, loadCore, runScenario, yieldToLoop } from '../child.mjs';
import { makeEvent } from '../events.mjs';

const CHUNK = 10_000;
const rss = () => process.memoryUsage.rss();

runScenario(async () => {
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
  let peak = rssStart;
  let rssAtCap = 0;

  // 1. A synchronous burst of 5 × cap: no export can run, so exactly 4 × cap must drop.
  let i = 0;
  for (; i < 5 * cap; i++) {
    processor.add(makeEvent(i));
    if (i + 1 === cap) rssAtCap = rss();
    if (i % CHUNK === 0) peak = Math.max(peak, rss());
  }
  const burst = processor.stats();
  const exactExcess = burst.dropped.overflow === 4 * cap && burst.pending + burst.inFlight === cap;

  // 2. The same again at an application's pace while flushes keep failing.
  for (; i < 10 * cap; i++) {
    processor.add(makeEvent(i));
    if (i % CHUNK === 0) {
      peak = Math.max(peak, rss());
      await yieldToLoop();
    }
  }
  const rssEnd = rss();
  peak = Math.max(peak, rssEnd);
  const stats = processor.stats();
  await processor.shutdown();
  return { cap, rssStart, rssAtCap, rssEnd, peakRss: peak, growthAfterCap: peak / rssAtCap, exactExcess, burst, stats };
});
