// OpenFeature end to end: InMemoryProvider evaluations, awaited one after another
// as a request handler would, with FeatureEventHook → BatchProcessor → webhook
// (config.hook) or with no hook at all (the baseline the hook is compared with).
// Evaluations come in macrotasks of PER_TASK, as a server's requests do: an
// unbroken chain of awaits never lets I/O run, so no batch would be delivered
// until the end and every event would pile up in memory.
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { config, loadCore, loadOpenFeatureAdapter, runScenario, settleHeap, startClock, yieldToLoop } from '../child.mjs';
import { FLAG_KEYS, inMemoryFlags, userKey } from '../events.mjs';

await OpenFeature.setProviderAndWait(new InMemoryProvider(inMemoryFlags()));
const client = OpenFeature.getClient('bench');

let processor;
if (config.hook) {
  const { BatchProcessor, WebhookExporter } = await loadCore();
  const { FeatureEventHook } = await loadOpenFeatureAdapter();
  processor = new BatchProcessor(new WebhookExporter({ endpointUrl: config.url, secret: config.secret }), {
    flushInterval: 60_000,
    maxEventInMemory: config.batchSize,
    maxBatchSize: config.batchSize,
    maxBufferedEvents: Math.max(config.warmup + config.events, config.batchSize),
    exportTimeout: 30_000,
  });
  client.addHooks(new FeatureEventHook(processor));
}

const PER_TASK = 100;

async function evaluate(from, count) {
  for (let i = from; i < from + count; i++) {
    await client.getBooleanValue(FLAG_KEYS[i % FLAG_KEYS.length], false, { targetingKey: userKey(i) });
    if ((i + 1) % PER_TASK === 0) await yieldToLoop();
  }
  await processor?.forceFlush();
}

runScenario(async () => {
  await evaluate(0, config.warmup);
  settleHeap();
  const stop = startClock();
  await evaluate(config.warmup, config.events);
  const clock = stop();
  const stats = processor?.stats();
  await processor?.shutdown();
  await OpenFeature.close();
  if (stats && stats.delivered !== config.warmup + config.events) throw new Error(`delivered ${stats.delivered} of ${config.warmup + config.events}: ${JSON.stringify(stats)}`);
  return { ...clock, events: config.events, sent: config.hook ? config.warmup + config.events : 0, stats };
});
