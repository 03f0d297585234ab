import { randomBytes } from 'node:crypto';
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { BatchProcessor } from '../batch-processor.js';
import { WebhookExporter } from '../webhook/webhook-exporter.js';
import { optionalInteger, parseCommandArgs, parseEndpoint, parseSecret, UsageError } from './args.js';
import { CountingExporter } from './counting-exporter.js';
import { DEMO_FLAGS, evaluateDemoFlag } from './demo-flags.js';
import { startDemoReceiver, type DemoReceiver } from './demo-receiver.js';
import { count, describeError, plural, rate } from './format.js';
import { println, type CliIo } from './io.js';
import { ProgressLine } from './progress.js';
import { onTerminate } from './signals.js';
import { LiveView } from './ui/live-view.js';

const DEFAULT_EVENTS = 10_000;
/** Small batches and a short interval, so a few seconds of demo show many deliveries. */
const DEMO_PROCESSOR_OPTIONS = { flushInterval: 1_000, maxEventInMemory: 500 };
/** An OpenFeature domain of its own, so the demo's provider is not the global default. */
const DOMAIN = 'ff-webhook-demo';
/** Evaluations between two yields to the event loop, so deliveries and the progress line run meanwhile. */
const YIELD_EVERY = 250;
/** Evaluations per second with --ui unless --rate says otherwise: slow enough for the charts to draw a few seconds. */
const UI_RATE = 2_000;

export const DEMO_HELP = `Usage: ff-webhook demo [options]

Shows the whole pipeline in a few seconds: OpenFeature (in-memory provider,
a few flags) evaluates flags for simulated users; FeatureEventHook turns each
evaluation into an event; a BatchProcessor batches them; WebhookExporter
delivers them, signed, to an embedded receiver on 127.0.0.1 that verifies
every signature. Ends with a summary where accepted = delivered + dropped.

Options:
  --events N       evaluations to simulate (default ${DEFAULT_EVENTS})
  --endpoint URL   deliver to this webhook instead of the embedded receiver
  --secret S       signing secret (default: $FF_WEBHOOK_SECRET, else a random
                   one for the embedded receiver, or unsigned with --endpoint)
  --ui             serve the live page of 'ff-webhook listen --ui' on the
                   embedded receiver and print its URL (no browser is opened);
                   the page stays up after the summary until Ctrl-C
  --rate N         evaluations per second (default: as fast as possible;
                   ${UI_RATE} with --ui, so the charts show a few seconds)
  -h, --help       show this help

Needs the optional peer dependency @openfeature/server-sdk.
Exit status: 0 when every event was delivered; 1 otherwise; 2 on bad arguments.
`;

export interface DemoModules {
  sdk: typeof import('@openfeature/server-sdk');
  adapter: typeof import('../../adapters/openfeature/index.js');
}

/** Loaded on demand: `listen` and `send` must work without OpenFeature installed. */
export async function loadDemoModules(): Promise<DemoModules> {
  const sdk = await import('@openfeature/server-sdk');
  const adapter = await import('../../adapters/openfeature/index.js');
  return { sdk, adapter };
}

/** True when `error` says an `@openfeature/` package cannot be found (CJS and ESM codes). */
export function isMissingOpenFeature(error: unknown): boolean {
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && typeof message === 'string' && message.includes('@openfeature/');
}

export async function demo(argv: string[], io: CliIo, load: () => Promise<DemoModules> = loadDemoModules): Promise<number> {
  const values = parseCommandArgs(argv, {
    events: { type: 'string' },
    endpoint: { type: 'string' },
    secret: { type: 'string' },
    ui: { type: 'boolean' },
    rate: { type: 'string' },
  });
  if (values.help === true) {
    io.stdout.write(DEMO_HELP);
    return 0;
  }
  const events = optionalInteger('events', values.events, 1) ?? DEFAULT_EVENTS;
  const endpoint = values.endpoint === undefined ? undefined : parseEndpoint(values.endpoint);
  const ui = values.ui === true;
  if (ui && endpoint !== undefined) throw new UsageError('--ui shows the embedded receiver; it cannot be used with --endpoint');
  const pace = optionalInteger('rate', values.rate, 1) ?? (ui ? UI_RATE : undefined);
  const secret = parseSecret(values.secret, io.env) ?? (endpoint === undefined ? randomBytes(16).toString('hex') : undefined);

  let modules: DemoModules;
  try {
    modules = await load();
  } catch (error) {
    if (!isMissingOpenFeature(error)) throw error;
    println(io.stderr, 'ff-webhook demo needs the OpenFeature server SDK, an optional peer dependency. Install it with:');
    println(io.stderr, '  npm install @openfeature/server-sdk');
    return 1;
  }
  const { OpenFeature, InMemoryProvider } = modules.sdk;

  const view = ui ? new LiveView({ host: '127.0.0.1' }) : undefined;
  const receiver: DemoReceiver | undefined = endpoint === undefined ? await startDemoReceiver(secret ?? '', view) : undefined;
  const target = endpoint?.href ?? receiver?.url ?? '';
  const pageUrl = receiver === undefined ? '' : `${new URL(receiver.url).origin}/`;
  try {
    let exporter: CountingExporter;
    let processor: BatchProcessor;
    try {
      exporter = new CountingExporter(new WebhookExporter({ endpointUrl: target, ...(secret !== undefined && { secret }), meta: { source: 'ff-webhook demo' } }));
      processor = new BatchProcessor(exporter, DEMO_PROCESSOR_OPTIONS);
    } catch (error) {
      if (error instanceof TypeError || error instanceof RangeError) throw new UsageError(error.message);
      throw error;
    }

    await OpenFeature.setProviderAndWait(DOMAIN, new InMemoryProvider(DEMO_FLAGS));
    const client = OpenFeature.getClient(DOMAIN);
    client.addHooks(new modules.adapter.FeatureEventHook(processor, { metadata: { app: 'ff-webhook-demo' } }));

    if (view !== undefined) println(io.stdout, `live page: ${pageUrl}`);
    const started = performance.now();
    let evaluated = 0;
    const progress = new ProgressLine(io.stderr, () => {
      const { delivered } = processor.stats();
      const signatures = receiver === undefined ? '' : `  signatures verified ${count(receiver.counts.signaturesVerified)}`;
      return (
        `evaluated ${count(evaluated)}/${count(events)}  delivered ${count(delivered)}  batches ${count(exporter.batchesDelivered)}` +
        `${signatures}  ${count(rate(delivered, performance.now() - started))} events/s`
      );
    });
    progress.start();
    for (let i = 0; i < events; i++) {
      await evaluateDemoFlag(client, i);
      evaluated++;
      const ahead = pace === undefined ? 0 : started + (evaluated * 1000) / pace - performance.now();
      if (ahead >= 1) await sleep(ahead);
      else if (evaluated % YIELD_EVERY === 0) await yieldToEventLoop();
    }
    await processor.shutdown();
    progress.stop();
    const elapsed = performance.now() - started;
    await OpenFeature.close();

    const stats = processor.stats();
    const { overflow, invalid, shutdown } = stats.dropped;
    const dropped = overflow + invalid + shutdown;
    const unsettled = stats.pending + stats.inFlight; // 0 after shutdown (SPEC §4 rule 7)
    const reconciled = stats.accepted === stats.delivered + dropped + unsettled;
    const where = receiver === undefined ? `to ${endpoint?.origin ?? ''}` : `to the embedded receiver at ${new URL(receiver.url).origin}`;
    println(io.stdout, `demo: ${evaluated} evaluations in ${(elapsed / 1000).toFixed(2)} s (${rate(stats.delivered, elapsed)} events/s), delivered ${where}`);
    println(io.stdout, `  accepted   ${stats.accepted}`);
    println(io.stdout, `  delivered  ${stats.delivered} in ${plural(exporter.batchesDelivered, 'batch', 'batches')}${secret === undefined ? ' (unsigned)' : ' (signed)'}`);
    println(io.stdout, `  dropped    ${dropped} (overflow ${overflow}, invalid ${invalid}, shutdown ${shutdown})`);
    if (unsettled > 0) println(io.stdout, `  unsettled  ${unsettled}`);
    if (receiver !== undefined) {
      const { batches, events: received, signaturesVerified, rejected } = receiver.counts;
      println(io.stdout, `  received   ${plural(received, 'event')} in ${plural(batches, 'batch', 'batches')}, ${signaturesVerified} signatures verified, ${rejected} rejected`);
    }
    println(
      io.stdout,
      `  accepted = delivered + dropped: ${stats.accepted} = ${stats.delivered} + ${dropped}${unsettled > 0 ? ` + ${unsettled} unsettled` : ''}` +
        ` (${reconciled ? 'reconciled' : 'MISMATCH'})`,
    );
    if (stats.delivered < stats.accepted && stats.lastError !== undefined) {
      println(io.stderr, `ff-webhook demo: delivery failed: ${describeError(stats.lastError)}`);
    }
    if (view !== undefined) {
      println(io.stdout, `live page: ${pageUrl} stays up; Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        const dispose = onTerminate(() => {
          dispose();
          resolve();
        });
      });
    }
    return reconciled && stats.delivered === stats.accepted && stats.accepted === evaluated ? 0 : 1;
  } finally {
    await receiver?.close();
  }
}
