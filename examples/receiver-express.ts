/**
 * The README's Express receivers, verbatim: createReceiver mounted before any body
 * parser, and express.raw + verifyWebhook in your own handler; then a signed batch to each.
 * Run: npx tsx examples/receiver-express.ts
 */
import type { AddressInfo } from 'node:net';
import { signStandardHeader } from 'ff-webhook-exporter';

const secret = 'whsec_' + Buffer.from('example key').toString('base64');
const onBatch = (payload: WebhookPayload): void => console.log(`webhook: ${payload.events.length} events`);

// The README's recipe:
import express from 'express';
import { createReceiver, verifyWebhook, type WebhookPayload } from 'ff-webhook-exporter';

const app = express();
app.post('/webhook', createReceiver({ secret, onBatch })); // before any body parser
// or, in your own handler (inflate: false: the signature covers the bytes sent):
app.post('/hook', express.raw({ type: '*/*', inflate: false }), (req, res) => {
  const result = verifyWebhook(req.body, req.headers, { secret });
  if (!result.ok) return void res.status(401).send(result.reason);
  const payload = JSON.parse(req.body.toString('utf8')) as WebhookPayload;
  console.log(`hook: ${payload.events.length} events, ${result.scheme} signature`);
  res.sendStatus(204);
});

const server = app.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const body = JSON.stringify({ events: [{ kind: 'feature', key: 'new-checkout' }] });
  for (const path of ['/webhook', '/hook']) {
    const id = `msg_${path.slice(1)}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signStandardHeader(id, timestamp, body, [secret]) };
    const response = await fetch(base + path, { method: 'POST', headers, body });
    console.log(`${path} answered ${response.status}`);
  }
  server.close();
});
