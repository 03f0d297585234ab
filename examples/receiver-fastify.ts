// The README's Fastify receiver: a raw-body content type parser and verifyWebhook.
// Run: npx tsx examples/receiver-fastify.ts
import Fastify from 'fastify';
import { signStandardHeader, verifyWebhook } from 'ff-webhook-exporter';

const secret = 'whsec_' + Buffer.from('example key').toString('base64');
const app = Fastify();
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.post('/hook', async (request, reply) => {
  const result = verifyWebhook(request.body as Buffer, request.headers, { secret });
  if (!result.ok) return reply.code(401).send(result.reason);
  const payload = JSON.parse((request.body as Buffer).toString('utf8')) as { events: unknown[] };
  console.log(`hook: ${payload.events.length} events, ${result.scheme} signature`);
  return reply.code(204).send();
});

async function main(): Promise<void> {
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const body = JSON.stringify({ events: [{ kind: 'feature', key: 'new-checkout' }] });
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signStandardHeader('msg_1', timestamp, body, [secret]) };
  console.log(`/hook answered ${(await fetch(`${url}/hook`, { method: 'POST', headers, body })).status}`);
  console.log(`unsigned answered ${(await fetch(`${url}/hook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status}`);
  await app.close();
}

void main();
