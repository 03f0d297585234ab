/**
 * ConfigCat's flagEvaluated hook → trackConfigCatEvaluations → BatchProcessor → signed webhook.
 * Run: npx tsx examples/configcat-evaluations.ts
 *
 * The client reads local-only flag overrides here; in production, give
 * `getClient` your SDK key and drop `flagOverrides` and `offline`.
 */
import * as configcat from '@configcat/sdk/node';
import { trackConfigCatEvaluations } from 'ff-webhook-exporter/configcat';
import { BatchProcessor, WebhookExporter } from 'ff-webhook-exporter';
import { startEmbeddedReceiver } from './embedded-receiver.js';

const SECRET = 'example-secret';

async function main(): Promise<void> {
  const receiver = await startEmbeddedReceiver(SECRET);
  const client = configcat.getClient('example-sdk-key', configcat.PollingMode.AutoPoll, {
    flagOverrides: configcat.createFlagOverridesFromMap({ 'new-checkout': true, 'banner-color': 'blue' }, configcat.OverrideBehaviour.LocalOnly),
    offline: true,
  });

  const processor = new BatchProcessor(new WebhookExporter({ endpointUrl: receiver.endpointUrl, secret: SECRET }));
  const stop = trackConfigCatEvaluations(client, processor, { metadata: { env: 'dev' } });

  console.log('new-checkout for user-1:', await client.getValueAsync('new-checkout', false, { identifier: 'user-1' }));
  console.log('banner-color, no user:', await client.getValueAsync('banner-color', 'grey'));
  console.log('missing flag:', await client.getValueAsync('no-such-flag', false, { identifier: 'user-1' }));

  stop();
  await processor.shutdown();
  console.log('stats:', JSON.stringify(processor.stats()));
  client.dispose();
  receiver.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
