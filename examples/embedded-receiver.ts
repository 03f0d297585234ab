/**
 * The receiver the flag-SDK examples send to: the package's own
 * `createReceiver` on 127.0.0.1, printing each signed batch that arrives.
 * In your service, point `endpointUrl` at your real webhook instead.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReceiver } from 'ff-webhook-exporter';

export interface EmbeddedReceiver {
  endpointUrl: string;
  close(): void;
}

export async function startEmbeddedReceiver(secret: string): Promise<EmbeddedReceiver> {
  const server = createServer(
    createReceiver({
      secret, // the receiver answers 401 unless the signature matches
      onBatch(payload, { webhookId }) {
        console.log(`received batch ${webhookId} with ${payload.events.length} events, meta ${JSON.stringify(payload.meta)}`);
        for (const event of payload.events) console.log('  ' + JSON.stringify(event));
      },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpointUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`,
    close: () => server.close(),
  };
}
