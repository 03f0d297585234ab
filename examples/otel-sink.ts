/**
 * OpenTelemetry logs → webhook: OpenFeature's own `EventHook` emits
 * `feature_flag.evaluation` log records, and an OTel `BatchLogRecordProcessor`
 * hands them to `WebhookLogRecordExporter`, which posts them as GO Feature
 * Flag events. The README's recipe, verbatim, between an embedded receiver and
 * two evaluations. Run: npx tsx examples/otel-sink.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryProvider } from '@openfeature/server-sdk';
import { createReceiver } from 'ff-webhook-exporter';

const secret = 'example-secret';
const server = createServer(
  createReceiver({
    secret,
    onBatch(payload, { webhookId }) {
      console.log(`received batch ${webhookId} with ${payload.events.length} events`);
      for (const event of payload.events) console.log('  ' + JSON.stringify(event));
    },
  }),
);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpointUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;

// The README's recipe:
import { EventHook } from '@openfeature/open-telemetry-hooks';
import { OpenFeature } from '@openfeature/server-sdk';
import { logs } from '@opentelemetry/api-logs';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { WebhookLogRecordExporter } from 'ff-webhook-exporter/otel';

const exporter = new WebhookLogRecordExporter({ endpointUrl, secret }); // WebhookExporter's options
// sdk-logs takes { exporter }: the older positional form silently exports nothing.
const loggerProvider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] });
// EventHook reads the global of @opentelemetry/api-logs, on the 1.10/3.x line too.
logs.setGlobalLoggerProvider(loggerProvider);
OpenFeature.addHooks(new EventHook());

await OpenFeature.setProviderAndWait(
  new InMemoryProvider({
    'new-checkout': { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false },
  }),
);
const client = OpenFeature.getClient();
await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-1' });
await client.getBooleanValue('no-such-flag', false, { targetingKey: 'user-2' });

await loggerProvider.shutdown(); // flushes the processor, then shuts the webhook exporter down
// EventHook also logs an `exception` record per failed evaluation: skipped and counted.
console.log('stats:', JSON.stringify(exporter.stats()));
await OpenFeature.close();
server.close();
