// Ours: BatchProcessor + WebhookExporter (signed), batches of 1,000, same receiver;
// with config.compression 'gzip', the same with gzip bodies.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { config, loadCore, runScenario, settleHeap, startClock, yieldToLoop } from '../child.mjs';
import { makeEvents } from '../events.mjs';

const { BatchProcessor, WebhookExporter } = await loadCore();
const exporter = new WebhookExporter({ endpointUrl: config.url, secret: config.secret, ...(config.compression ? { compression: config.compression } : {}) });
// With config.spool, every event also goes to a durable spool (SPEC §10) in a fresh directory.
const spool = config.spool ? { spool: { directory: mkdtempSync(join(tmpdir(), 'bench-spool-')) } } : {};
const processor = new BatchProcessor(exporter, {
  ...spool,
  flushInterval: 60_000,
  maxEventInMemory: config.batchSize,
  maxBatchSize: config.batchSize,
  // The producer runs ahead of the wire; a cap that drops nothing, as the OTel queue.
  maxBufferedEvents: config.warmup + config.events,
  exportTimeout: 30_000,
});

/** Adds like an application would: a chunk per macrotask, so exports interleave. */
async function send(events) {
  for (let i = 0; i < events.length; i += config.chunk) {
    const end = Math.min(i + config.chunk, events.length);
    for (let j = i; j < end; j++) processor.add(events[j]);
    await yieldToLoop();
  }
  await processor.forceFlush();
}

runScenario(async () => {
  // Warm-up events die before the window; a full GC starts it with a clean heap.
  await send(makeEvents(config.warmup));
  const events = makeEvents(config.events, config.warmup);
  settleHeap();
  const stop = startClock();
  await send(events);
  const clock = stop();
  const stats = processor.stats();
  await processor.shutdown();
  if (stats.delivered !== config.warmup + config.events) throw new Error(`delivered ${stats.delivered} of ${config.warmup + config.events}: ${JSON.stringify(stats)}`);
  return { ...clock, events: config.events, sent: config.warmup + config.events, stats };
});
