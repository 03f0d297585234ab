/**
 * The README's node:http receiver, verbatim, then a signed batch sent to it twice
 * (the second is a retry: dedupe answers it without processing it again) and a forged one.
 * Run: WEBHOOK_SECRET=s3cr3t PORT=0 npx tsx examples/receiver-node.ts
 * (with WEBHOOK_SECRET unset, createReceiver throws a TypeError: no forged batch is accepted).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { signStandardHeader, type ExportableEvent } from 'ff-webhook-exporter';

async function saveEvents(webhookId: string | undefined, events: readonly ExportableEvent[]): Promise<void> {
  console.log(`saved ${events.length} events of batch ${webhookId}`);
}

// The README's recipe:
import http from 'node:http';
import { createReceiver } from 'ff-webhook-exporter';

const server = http
  .createServer(
    createReceiver({
      secret: process.env.WEBHOOK_SECRET!, // throws if unset, rather than accepting forged batches
      dedupe: { window: 60 * 60 * 1000 }, // opt-in: a retried webhook-id is answered 200, not processed twice
      async onBatch(payload, { webhookId }) {
        await saveEvents(webhookId, payload.events);
      },
    }),
  )
  .listen(Number(process.env.PORT ?? 8080));

await once(server, 'listening');
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const body = JSON.stringify({ events: [{ kind: 'feature', userKey: 'u1', creationDate: 1, key: 'new-checkout', variation: 'on', value: true, default: false }] });
const post = async (secret: string): Promise<number> => {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = signStandardHeader('msg_1', timestamp, body, [secret]);
  const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
  return (await fetch(url, { method: 'POST', headers, body })).status;
};
console.log(`signed: ${await post(process.env.WEBHOOK_SECRET!)}`);
console.log(`retried: ${await post(process.env.WEBHOOK_SECRET!)}`);
console.log(`forged: ${await post('not-the-secret')}`);
server.close();
