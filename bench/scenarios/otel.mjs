// OpenTelemetry anchor: what a user would otherwise pick. LoggerProvider +
// BatchLogRecordProcessor (batches of 1,000, a queue that drops nothing) +
// the OTLP/HTTP JSON log exporter, the same events as feature_flag.* log records.
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { config, runScenario, settleHeap, startClock, yieldToLoop } from '../child.mjs';
import { makeEvents, otelAttributes } from '../events.mjs';

const exporter = new OTLPLogExporter({ url: `${config.url}/v1/logs`, compression: 'none', keepAlive: true });
// sdk-logs 0.2xx takes an options object; the positional form silently exports nothing.
const processor = new BatchLogRecordProcessor({
  exporter,
  maxExportBatchSize: config.batchSize,
  maxQueueSize: config.warmup + config.events,
  scheduledDelayMillis: 1000,
});
const provider = new LoggerProvider({ processors: [processor] });
const logger = provider.getLogger('bench');

/** Emits like an application would: a chunk per macrotask, so exports interleave. */
async function send(events) {
  for (let i = 0; i < events.length; i += config.chunk) {
    const end = Math.min(i + config.chunk, events.length);
    for (let j = i; j < end; j++) {
      const event = events[j];
      logger.emit({ eventName: 'feature_flag.evaluation', timestamp: event.creationDate * 1000, attributes: otelAttributes(event) });
    }
    await yieldToLoop();
  }
  await provider.forceFlush();
}

runScenario(async () => {
  // Warm-up events die before the window; a full GC starts it with a clean heap.
  await send(makeEvents(config.warmup));
  const events = makeEvents(config.events, config.warmup);
  settleHeap();
  const stop = startClock();
  await send(events);
  const clock = stop();
  await provider.shutdown();
  return { ...clock, events: config.events, sent: config.warmup + config.events };
});
