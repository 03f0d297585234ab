/**
 * A durable spool and a hook filter: only the flags you name become events,
 * and every accepted event is kept on disk until the webhook took it, so a
 * crash or a deploy loses nothing (README: Durable spool).
 * Run: npx tsx examples/durable-spool.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { BatchProcessor, WebhookExporter } from 'ff-webhook-exporter';
import { FeatureEventHook } from 'ff-webhook-exporter/openfeature';
import { startEmbeddedReceiver } from './embedded-receiver.js';

const receiver = await startEmbeddedReceiver('example-secret');
const exporter = new WebhookExporter({ endpointUrl: receiver.endpointUrl, secret: 'example-secret' });
// In your service: a directory of its own that outlives the process, e.g. /var/lib/my-app/ff-spool.
const directory = process.env.SPOOL_DIR ?? mkdtempSync(join(tmpdir(), 'ff-spool-'));

const processor = new BatchProcessor(exporter, {
  spool: { directory, maxBytes: 1024 ** 3, syncEvery: 200 },
});
const tracked = new Set(['new-checkout', 'banner-color']);
OpenFeature.addHooks(new FeatureEventHook(processor, { filter: (flagKey) => tracked.has(flagKey) }));

await OpenFeature.setProviderAndWait(
  new InMemoryProvider({
    'new-checkout': { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false },
    'banner-color': { variants: { red: 'red', blue: 'blue' }, defaultVariant: 'blue', disabled: false },
    'internal-tuning': { variants: { a: 1, b: 2 }, defaultVariant: 'a', disabled: false },
  }),
);
const client = OpenFeature.getClient();
console.log('new-checkout:', await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-1' }));
console.log('banner-color:', await client.getStringValue('banner-color', 'grey', { targetingKey: 'user-1' }));
console.log('internal-tuning (not tracked):', await client.getNumberValue('internal-tuning', 0, { targetingKey: 'user-1' }));

await processor.shutdown();
console.log('stats:', JSON.stringify(processor.stats()));
await OpenFeature.close();
receiver.close();
if (process.env.SPOOL_DIR === undefined) rmSync(directory, { recursive: true, force: true });
