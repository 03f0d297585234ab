/**
 * OpenTelemetry logs → webhook: OpenFeature's own `EventHook` emits
 * `feature_flag.evaluation` log records, and an OTel `BatchLogRecordProcessor`
 * hands them to `WebhookLogRecordExporter`, which posts them as GO Feature
 * Flag events. Run: npx tsx examples/otel-sink.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventHook } from '@openfeature/open-telemetry-hooks';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { logs } from '@opentelemetry/api-logs';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { WebhookLogRecordExporter } from '../adapters/otel/index.js';
import { createReceiver } from '../src/index.js';

const SECRET = 'example-secret';

async function main(): Promise<void> {
  const server = createServer(
    createReceiver({
      secret: SECRET,
      onBatch(payload, { webhookId }) {
        console.log(`received batch ${webhookId} with ${payload.events.length} events`);
        for (const event of payload.events) console.log('  ' + JSON.stringify(event));
      },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpointUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;

  // The webhook as an OTel log exporter. sdk-logs 0.2xx takes `{ exporter }`.
  const webhook = new WebhookLogRecordExporter({ endpointUrl, secret: SECRET });
  const loggerProvider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: webhook })] });
  logs.setGlobalLoggerProvider(loggerProvider);

  // EventHook takes its logger from the global logs API, so set that first.
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
  console.log('stats:', JSON.stringify(webhook.stats()));
  await OpenFeature.close();
  server.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
