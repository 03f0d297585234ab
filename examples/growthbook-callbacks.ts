/**
 * GrowthBook → growthBookCallbacks → BatchProcessor → signed webhook:
 * feature evaluations as feature events, experiment exposures as tracking events.
 * Run: npx tsx examples/growthbook-callbacks.ts
 *
 * The SDK reads a local features payload here; in production, give
 * `GrowthBookClient` your `clientKey` and call `init()` without a payload.
 */
import { GrowthBookClient } from '@growthbook/growthbook';
import { growthBookCallbacks } from 'ff-webhook-exporter/growthbook';
import { BatchProcessor, WebhookExporter } from 'ff-webhook-exporter';
import { startEmbeddedReceiver } from './embedded-receiver.js';

const SECRET = 'example-secret';

async function main(): Promise<void> {
  const receiver = await startEmbeddedReceiver(SECRET);
  const processor = new BatchProcessor(new WebhookExporter({ endpointUrl: receiver.endpointUrl, secret: SECRET }));
  const client = new GrowthBookClient({ ...growthBookCallbacks(processor, { metadata: { env: 'dev' } }) });
  await client.init({
    payload: {
      features: {
        'new-checkout': { defaultValue: false, rules: [{ id: 'fr_vip', condition: { id: 'user-1' }, force: true }] },
        'banner-color': { defaultValue: 'grey', rules: [{ key: 'banner-test', variations: ['red', 'blue'], weights: [0.5, 0.5], hashAttribute: 'id' }] },
      },
    },
  });

  console.log('new-checkout for user-1:', client.isOn('new-checkout', { attributes: { id: 'user-1' } }));
  console.log('banner-color for user-2:', client.getFeatureValue('banner-color', 'grey', { attributes: { id: 'user-2' } }));
  console.log('missing feature:', client.getFeatureValue('no-such-flag', 'fallback', { attributes: { id: 'user-1' } }));

  await processor.shutdown();
  console.log('stats:', JSON.stringify(processor.stats()));
  client.destroy();
  receiver.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
