/**
 * Unleash impression events → trackUnleashImpressions → BatchProcessor → signed webhook.
 * Run: npx tsx examples/unleash-impressions.ts
 *
 * The client runs offline here (toggles bootstrapped from memory, no polling,
 * no metrics); in production, give it your Unleash `url` and token. Only
 * toggles with impression data enabled emit impressions.
 */
import { once } from 'node:events';
import { InMemStorageProvider, Unleash } from 'unleash-client';
import { trackUnleashImpressions } from 'ff-webhook-exporter/unleash';
import { BatchProcessor, WebhookExporter } from 'ff-webhook-exporter';
import { startEmbeddedReceiver } from './embedded-receiver.js';

const SECRET = 'example-secret';

async function main(): Promise<void> {
  const receiver = await startEmbeddedReceiver(SECRET);
  const unleash = new Unleash({
    appName: 'example',
    url: 'http://127.0.0.1:1/api/',
    refreshInterval: 0,
    disableMetrics: true,
    storageProvider: new InMemStorageProvider(),
    bootstrap: {
      data: [
        { name: 'new-checkout', enabled: true, impressionData: true, strategies: [{ name: 'userWithId', parameters: { userIds: 'user-1' }, constraints: [] }] },
        { name: 'old-feature', enabled: false, impressionData: true, strategies: [] },
      ],
    },
  });
  await once(unleash, 'ready');

  const processor = new BatchProcessor(new WebhookExporter({ endpointUrl: receiver.endpointUrl, secret: SECRET }));
  const stop = trackUnleashImpressions(unleash, processor, { metadata: { env: 'dev' } });

  console.log('new-checkout for user-1:', unleash.isEnabled('new-checkout', { userId: 'user-1' }));
  console.log('new-checkout, anonymous session:', unleash.isEnabled('new-checkout', { sessionId: 'visitor-9' }));
  console.log('old-feature variant:', unleash.getVariant('old-feature', { userId: 'user-2' }).name);

  stop();
  await processor.shutdown();
  console.log('stats:', JSON.stringify(processor.stats()));
  unleash.destroy();
  receiver.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
