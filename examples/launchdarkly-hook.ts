/**
 * LaunchDarkly → LaunchDarklyEventHook → BatchProcessor → signed webhook.
 * Run: npx tsx examples/launchdarkly-hook.ts
 *
 * The SDK runs offline here (flags from its TestData source, no events sent
 * to LaunchDarkly); in production, give `init` your SDK key and drop
 * `updateProcessor`, `sendEvents` and `diagnosticOptOut`.
 */
import { basicLogger, init, integrations } from '@launchdarkly/node-server-sdk';
import { LaunchDarklyEventHook } from 'ff-webhook-exporter/launchdarkly';
import { BatchProcessor, WebhookExporter } from 'ff-webhook-exporter';
import { startEmbeddedReceiver } from './embedded-receiver.js';

const SECRET = 'example-secret';

async function main(): Promise<void> {
  const receiver = await startEmbeddedReceiver(SECRET);
  const td = new integrations.TestData();
  td.update(td.flag('new-checkout').booleanFlag().variationForUser('user-1', true).fallthroughVariation(false));
  td.update(td.flag('old-feature').booleanFlag().on(false));

  // The pipeline: one processor per process, the hook given to the client.
  const processor = new BatchProcessor(new WebhookExporter({ endpointUrl: receiver.endpointUrl, secret: SECRET }));
  const client = init('sdk-key', {
    hooks: [new LaunchDarklyEventHook(processor, { metadata: { env: 'dev' } })],
    updateProcessor: td.getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    logger: basicLogger({ level: 'none' }),
  });
  await client.waitForInitialization({ timeout: 10 });

  console.log('new-checkout for user-1:', await client.variation('new-checkout', { kind: 'user', key: 'user-1' }, false));
  console.log('new-checkout, anonymous:', await client.variation('new-checkout', { kind: 'user', key: 'visitor-9', anonymous: true }, false));
  console.log('missing flag:', await client.variation('no-such-flag', { kind: 'user', key: 'user-1' }, false));
  console.log('flag that is off:', await client.variation('old-feature', { kind: 'user', key: 'user-2' }, true));

  // Events wait for the next flush; shutdown() sends what is left. Do it on exit.
  await processor.shutdown();
  console.log('stats:', JSON.stringify(processor.stats()));
  client.close();
  receiver.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
