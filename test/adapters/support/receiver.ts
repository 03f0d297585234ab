import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReceiver, type WebhookPayload } from '../../../src/receiver.js';

export interface Delivery {
  payload: WebhookPayload;
  webhookId: string | undefined;
}

/** A real receiver (the core's `createReceiver`) on 127.0.0.1, port chosen by the OS. */
export interface TestReceiver {
  url: string;
  deliveries: Delivery[];
  /** Each request's body exactly as it arrived (uncompressed senders only), in arrival order. */
  bodies: string[];
  /** Every event received so far, in arrival order. */
  events(): unknown[];
  close(): Promise<void>;
}

export async function startReceiver(secret?: string): Promise<TestReceiver> {
  const deliveries: Delivery[] = [];
  const bodies: string[] = [];
  const handler = createReceiver({
    ...(secret === undefined ? {} : { secret }), // a present but undefined secret is a TypeError
    onBatch(payload, { webhookId }) {
      deliveries.push({ payload, webhookId });
    },
  });
  const server: Server = createServer((req, res) => {
    // A second reader of the same chunks: the receiver reads them with 'data' too.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => bodies.push(Buffer.concat(chunks).toString('utf8')));
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    deliveries,
    bodies,
    events: () => deliveries.flatMap((d) => d.payload.events),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
