// Event-loop delay during 100,000-event flushes (issue 9): how long the host's
// own work waits behind a flush. GO Feature Flag's defaults (a flush at 100,000
// events), ~200-byte events, a secret, the receiver in another process.
// mode 'ours': BatchProcessor + WebhookExporter; mode 'otel': the same records
// through OpenTelemetry's BatchLogRecordProcessor + OTLP/HTTP JSON; mode 'floor':
// the same events only encoded, in 1 ms slices (see floor()).
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { config, loadCore, runScenario, yieldToLoop } from '../child.mjs';
import { makeEvents, otelAttributes } from '../events.mjs';

const FLUSH = 100_000;
const CHUNK = 1_000;

async function ours() {
  const { BatchProcessor, WebhookExporter } = await loadCore();
  const exporter = new WebhookExporter({ endpointUrl: config.url, secret: config.secret });
  const processor = new BatchProcessor(exporter, { maxEventInMemory: config.flush, exportTimeout: 60_000 });
  return {
    add: (event) => processor.add(event),
    flush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
}

async function otel() {
  const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-http');
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const exporter = new OTLPLogExporter({ url: `${config.url}/v1/logs`, compression: 'none', keepAlive: true });
  // OTel's own batch size (512); a queue that holds the whole flush, so nothing is dropped.
  const processor = new BatchLogRecordProcessor({ exporter, maxQueueSize: config.flush * 2 });
  const provider = new LoggerProvider({ processors: [processor] });
  const logger = provider.getLogger('bench');
  return {
    add: (event) =>
      logger.emit({ eventName: 'feature_flag.evaluation', timestamp: event.creationDate * 1000, attributes: otelAttributes(event) }),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * The floor any encoding pipeline stands on: the same events held, then
 * JSON.stringify + Buffer.from of them in slices of at most 1 ms, no HTTP.
 * Its longest delay is mostly the GC of the host's young events, which the
 * flush's first allocations set off when adding allocated nothing (as with
 * ours; OpenTelemetry's emit() allocates per record and meets it while adding).
 */
async function floor() {
  let held = [];
  const encode = async () => {
    const events = held;
    held = [];
    for (let i = 0; i < events.length; ) {
      const until = performance.now() + 1;
      for (; i < events.length && performance.now() < until; i += 128) Buffer.from(JSON.stringify(events.slice(i, i + 128)));
      await yieldToLoop();
    }
  };
  return { add: (event) => held.push(event), flush: encode, shutdown: async () => {} };
}

/**
 * Delays with when they happened, beside the GC pauses: the part of a delay
 * that no GC pause explains is work of the pipeline's own (or another
 * process on the machine). GC pauses of the host's young objects come with
 * any allocation; monitorEventLoopDelay cannot tell them apart.
 */
function delaySampler() {
  const delays = [];
  const pauses = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push({ start: entry.startTime, end: entry.startTime + entry.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  let last = performance.now();
  let on = false;
  const timer = setInterval(() => {
    const now = performance.now();
    if (on) delays.push({ start: last, end: now });
    last = now;
  }, 1);
  return {
    enable() {
      delays.length = 0;
      pauses.length = 0;
      last = performance.now();
      on = true;
    },
    /** Longest delay less the GC inside it, and the longest GC pause, in ms. */
    disable() {
      on = false;
      let outsideGc = 0;
      for (const delay of delays) {
        let gc = 0;
        for (const pause of pauses) gc += Math.max(0, Math.min(delay.end, pause.end) - Math.max(delay.start, pause.start));
        outsideGc = Math.max(outsideGc, delay.end - delay.start - 1 - gc);
      }
      const gcMax = pauses.reduce((max, pause) => Math.max(max, pause.end - pause.start), 0);
      return { outsideGc, gcMax };
    },
    stop() {
      clearInterval(timer);
      observer.disconnect();
    },
  };
}

runScenario(async () => {
  config.flush ??= FLUSH;
  const pipeline = config.mode === 'otel' ? await otel() : config.mode === 'floor' ? await floor() : await ours();
  const delays = monitorEventLoopDelay({ resolution: 1 });
  const sampler = delaySampler();
  let maxMs = 0;
  let p99Ms = 0;
  let outsideGcMs = 0;
  let gcMaxMs = 0;
  for (let round = 0; round < config.rounds + 1; round++) {
    const events = makeEvents(config.flush, round * config.flush);
    // The application adds in small macrotasks; the flush is what is measured.
    for (let i = 0; i < events.length; i += CHUNK) {
      for (let j = i; j < Math.min(i + CHUNK, events.length); j++) pipeline.add(events[j]);
      if (i + CHUNK < events.length) await yieldToLoop();
    }
    if (round > 0) {
      delays.enable(); // round 0 warms the JIT up
      sampler.enable();
    }
    await pipeline.flush();
    delays.disable();
    const split = sampler.disable();
    if (round > 0) {
      maxMs = Math.max(maxMs, delays.max / 1e6);
      p99Ms = Math.max(p99Ms, delays.percentile(99) / 1e6);
      outsideGcMs = Math.max(outsideGcMs, split.outsideGc);
      gcMaxMs = Math.max(gcMaxMs, split.gcMax);
    }
    delays.reset();
  }
  sampler.stop();
  await pipeline.shutdown();
  return { maxMs, p99Ms, outsideGcMs, gcMaxMs, flushes: config.rounds, eventsPerFlush: config.flush };
});
