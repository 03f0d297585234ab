/**
 * The README's fetch-handler receiver (Next.js route handlers, Hono, Bun, Deno,
 * Workers), verbatim, called with a signed Request and a forged one.
 * Run: WEBHOOK_SECRET=s3cr3t npx tsx examples/receiver-fetch.ts
 */
import { signStandardHeader, type WebhookPayload } from 'ff-webhook-exporter';

const onBatch = (payload: WebhookPayload): void => console.log(`fetch: ${payload.events.length} events`);

// The README's recipe:
import { createFetchReceiver } from 'ff-webhook-exporter';
const receive = createFetchReceiver({ secret: process.env.WEBHOOK_SECRET!, onBatch });
export const POST = (request: Request) => receive(request); // Next.js; Hono: c => receive(c.req.raw); Bun: fetch: receive

const body = JSON.stringify({ events: [{ kind: 'feature', key: 'new-checkout' }] });
for (const secret of [process.env.WEBHOOK_SECRET!, 'not-the-secret']) {
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signStandardHeader('msg_1', timestamp, body, [secret]) };
  const response = await POST(new Request('https://example.com/api/webhook', { method: 'POST', headers, body }));
  console.log(`POST answered ${response.status}`);
}
