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
  /** Every event received so far, in arrival order. */
  events(): unknown[];
  close(): Promise<void>;
}

export async function startReceiver(secret?: string): Promise<TestReceiver> {
  const deliveries: Delivery[] = [];
  const handler = createReceiver({
    ...(secret === undefined ? {} : { secret }), // a present but undefined secret is a TypeError
    onBatch(payload, { webhookId }) {
      deliveries.push({ payload, webhookId });
    },
  });
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    deliveries,
    events: () => deliveries.flatMap((d) => d.payload.events),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
