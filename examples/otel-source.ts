/**
 * Events → OpenTelemetry logs: `OtelLogsExporter` behind a `BatchProcessor`
 * emits each FeatureEvent as a `feature_flag.evaluation` log record into a
 * `LoggerProvider`, so it can reach OTLP and the Collector. This one prints
 * the records to the console; swap in `OTLPLogExporter` from
 * `@opentelemetry/exporter-logs-otlp-http` to send them. The README's recipe,
 * verbatim, after the provider and before a few evaluations.
 * Run: npx tsx examples/otel-source.ts
 */
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { ConsoleLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';

const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() })] });

// The README's recipe:
import { BatchProcessor } from 'ff-webhook-exporter';
import { FeatureEventHook } from 'ff-webhook-exporter/openfeature';
import { OtelLogsExporter } from 'ff-webhook-exporter/otel';

const otel = new OtelLogsExporter({ loggerProvider });
const processor = new BatchProcessor(otel);
OpenFeature.addHooks(new FeatureEventHook(processor));

await OpenFeature.setProviderAndWait(
  new InMemoryProvider({
    'banner-color': { variants: { red: 'red', blue: 'blue' }, defaultVariant: 'blue', disabled: false },
  }),
);
const client = OpenFeature.getClient();
await client.getStringValue('banner-color', 'grey', { targetingKey: 'user-1' });
await client.getStringValue('banner-color', 'grey', {}); // anonymous: no feature_flag.context.id
await client.getNumberValue('banner-color', 0, { targetingKey: 'user-2' }); // type mismatch: error.type 'general'

// Direct events too; tracking events have no OTel convention and are skipped.
processor.add({ kind: 'feature', userKey: 'user-3', creationDate: 1_735_689_600, key: 'limits', variation: 'small', value: { max: 5 }, default: false });

await processor.shutdown(); // flushes the processor and, through the exporter, the provider
console.log('stats:', JSON.stringify(otel.stats()));
await loggerProvider.shutdown();
await OpenFeature.close();
