import { createServer } from 'node:http';
import { createReceiver } from '../receiver.js';
import { hostUrl } from './format.js';
import type { LiveView } from './ui/live-view.js';

export interface DemoReceiverCounts {
  batches: number;
  events: number;
  /** Batches whose signature the receiver checked and accepted. */
  signaturesVerified: number;
  /** Requests answered 4xx/5xx (a bad signature would show here). */
  rejected: number;
}

export interface DemoReceiver {
  url: string;
  counts: DemoReceiverCounts;
  close(): Promise<void>;
}

/**
 * The demo's embedded webhook: `createReceiver` on 127.0.0.1, a free port, counting
 * what arrives; with a `view`, the live page is served beside it (GET /).
 */
export async function startDemoReceiver(secret: string, view?: LiveView): Promise<DemoReceiver> {
  const counts: DemoReceiverCounts = { batches: 0, events: 0, signaturesVerified: 0, rejected: 0 };
  const receive = createReceiver({
    secret,
    onBatch: (payload, info) => {
      view?.stats.recordBatch(payload.events, payload.meta, info.webhookId);
      counts.batches++;
      counts.signaturesVerified++; // with a secret, onBatch is only reached past a valid signature
      counts.events += payload.events.length;
    },
  });
  const server = createServer((req, res) => {
    if (view?.handle(req, res) === true) return;
    res.once('finish', () => {
      if (res.statusCode < 400) return;
      counts.rejected++;
      view?.stats.recordRejection(res.statusCode);
    });
    receive(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `${hostUrl('127.0.0.1', port)}/webhook`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        view?.close(); // its event streams would otherwise hold the server open
        server.close(() => resolve());
        server.closeAllConnections(); // the exporter's keep-alive sockets; everything was delivered by now
      }),
  };
}
