/**
 * OpenFeature → FeatureEventHook (evaluations) and TrackingProvider (client.track)
 * → BatchProcessor → signed webhook: the README's
 * OpenFeature recipe, verbatim, between an embedded receiver on 127.0.0.1 (which
 * stands in for your webhook and prints what arrives) and a few evaluations.
 * Run: npx tsx examples/openfeature-hook.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryProvider } from '@openfeature/server-sdk';
import { createReceiver } from 'ff-webhook-exporter';
import { TrackingProvider } from 'ff-webhook-exporter/openfeature';

const secret = 'example-secret';
const server = createServer(
  createReceiver({
    secret, // the receiver answers 401 unless the signature matches
    onBatch(payload, { webhookId }) {
      console.log(`received batch ${webhookId} with ${payload.events.length} events, meta ${JSON.stringify(payload.meta)}`);
      for (const event of payload.events) console.log('  ' + JSON.stringify(event));
    },
  }),
);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpointUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;

// The README's recipe: one processor per process, its hook registered globally.
import { OpenFeature } from '@openfeature/server-sdk';
import { BatchProcessor, WebhookExporter } from 'ff-webhook-exporter';
import { FeatureEventHook } from 'ff-webhook-exporter/openfeature';

const processor = new BatchProcessor(new WebhookExporter({ endpointUrl, secret }));
OpenFeature.addHooks(new FeatureEventHook(processor, { metadata: { env: 'prod' } }));

const provider = new InMemoryProvider({
  'new-checkout': { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false },
  'banner-color': { variants: { red: 'red', blue: 'blue' }, defaultVariant: 'blue', disabled: false },
  'old-feature': { variants: { on: true, off: false }, defaultVariant: 'on', disabled: true },
});
// Wrapped, so that client.track() calls become tracking events too.
await OpenFeature.setProviderAndWait(new TrackingProvider(provider, processor));
const client = OpenFeature.getClient();
console.log('new-checkout for user-1:', await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-1' }));
console.log('banner-color, anonymous:', await client.getStringValue('banner-color', 'grey', { targetingKey: 'visitor-9', anonymous: true }));
console.log('missing flag:', await client.getBooleanValue('no-such-flag', false, { targetingKey: 'user-1' }));
console.log('disabled flag:', await client.getBooleanValue('old-feature', false, { targetingKey: 'user-2' }));
client.track('checkout', { targetingKey: 'user-1' }, { value: 99.5, currency: 'EUR' });

// Events wait for the next flush; shutdown() sends what is left. Do it on exit.
await processor.shutdown();
console.log('stats:', JSON.stringify(processor.stats()));
await OpenFeature.close();
server.close();
