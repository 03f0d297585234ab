/**
 * The README's Quick start, as it is there. Run it against the development receiver:
 *   npx ff-webhook listen --secret secret-for-signing            (one shell)
 *   WEBHOOK_URL=http://127.0.0.1:8080/ npx tsx examples/quick-start.ts   (another)
 * Without WEBHOOK_URL it posts to https://webhook.url/, which does not exist: the
 * stats printed at the end then show the failure.
 */
import { BatchProcessor, WebhookExporter } from 'ff-webhook-exporter';

const exporter = new WebhookExporter({
  endpointUrl: process.env.WEBHOOK_URL ?? 'https://webhook.url/',
  secret: 'secret-for-signing',
  meta: { extraInfo: 'info' },
  headers: { Authorization: ['Bearer auth_token'] },
});
const processor = new BatchProcessor(exporter, {
  flushInterval: 10_000,   // ms
  maxEventInMemory: 100,
});

processor.add({
  kind: 'feature', userKey: 'user-42', creationDate: Math.floor(Date.now() / 1000),
  key: 'new-checkout', variation: 'on', value: true, default: false,
});

// On the way out: one last flush (bounded by exportTimeout), then close.
await processor.shutdown();

const { accepted, delivered, pending, inFlight, dropped, failedExports, lastError } = processor.stats();
console.log('stats:', JSON.stringify({ accepted, delivered, pending, inFlight, dropped, failedExports, lastError: lastError?.message }));
