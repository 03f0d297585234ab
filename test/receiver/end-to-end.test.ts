import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import sinon from 'sinon';
import { BatchProcessor } from '../../src/batch-processor.js';
import type { ExportableEvent } from '../../src/events.js';
import { createFetchReceiver } from '../../src/fetch-receiver.js';
import type { BatchInfo, WebhookPayload } from '../../src/payload.js';
import { createReceiver } from '../../src/receiver.js';
import type { ReceiverOptions } from '../../src/receiver-options.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import type { WebhookExporterOptions } from '../../src/webhook/webhook-options.js';
import { feature } from '../core/support/helpers.js';

const NEW = 'whsec_' + Buffer.from('end to end, the new key').toString('base64');
const OLD = 'whsec_' + Buffer.from('end to end, the old key').toString('base64');

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** createFetchReceiver behind node:http, as fetch-style adapters (Hono's, Next's) run it. */
function fetchOnNode(options: ReceiverOptions): Handler {
  const handle = createFetchReceiver(options);
  return (req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headersDistinct)) for (const v of value ?? []) headers.append(name, v);
    const body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
    const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body, duplex: 'half' } as RequestInit);
    void handle(request).then(async (response) => {
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  };
}

const RECEIVERS: ReadonlyArray<readonly [string, (options: ReceiverOptions) => Handler]> = [
  ['createReceiver', createReceiver],
  ['createFetchReceiver', fetchOnNode],
];

/** A real node:http server on 127.0.0.1 running a receiver, recording each request's headers and answer. */
async function serve(handler: Handler): Promise<{ url: string; seen: Array<{ headers: IncomingHttpHeaders; status?: number }>; close(): Promise<void> }> {
  const seen: Array<{ headers: IncomingHttpHeaders; status?: number }> = [];
  const server = http.createServer((req, res) => {
    const entry: { headers: IncomingHttpHeaders; status?: number } = { headers: { ...req.headers } };
    seen.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

for (const [name, receiver] of RECEIVERS) {
  describe(`WebhookExporter → ${name} on a real server (SPEC §9, §11)`, () => {
    let clock: sinon.SinonFakeTimers | undefined;
    let close: (() => Promise<void>) | undefined;
    const exporters: WebhookExporter[] = [];
    const exporter = (options: Omit<WebhookExporterOptions, 'endpointUrl'>, url: string): WebhookExporter => {
      const made = new WebhookExporter({ endpointUrl: url, meta: { hostname: 'h' }, ...options });
      exporters.push(made);
      return made;
    };

    afterEach(async () => {
      clock?.restore();
      clock = undefined;
      sinon.restore();
      await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
      await close?.();
    });

    it('an in-call retry after a failed first attempt: the same webhook-id, a fresh webhook-timestamp, each attempt verified', async () => {
      // Only Date is faked: the sockets run for real, and the clock moves while the first attempt is answered.
      clock = sinon.useFakeTimers({ now: Date.UTC(2026, 5, 1), toFake: ['Date'] });
      sinon.stub(Math, 'random').returns(0); // no jitter: the in-call retry goes at once
      const delivered: BatchInfo[] = [];
      let attempts = 0;
      const server = await serve(
        receiver({
          secret: NEW,
          onBatch: (_payload, info) => {
            if (attempts++ === 0) {
              clock!.tick(7_000);
              throw new Error('the database is down');
            }
            delivered.push(info);
          },
        }),
      );
      close = server.close;
      const result = await new Promise<ExportResult>((resolve) =>
        exporter({ secret: NEW, signatureScheme: 'standard', maxRetries: 1 }, server.url).export([feature(1)], resolve),
      );
      assert.equal(result.code, ExportResultCode.SUCCESS);
      assert.deepEqual(server.seen.map((s) => s.status), [500, 204], 'both signatures verified; the first onBatch failed');
      const [first, second] = server.seen.map((s) => s.headers);
      assert.equal(first!['webhook-id'], second!['webhook-id']);
      assert.equal(Number(second!['webhook-timestamp']) - Number(first!['webhook-timestamp']), 7);
      assert.notEqual(first!['webhook-signature'], second!['webhook-signature']);
      assert.deepEqual(delivered, [{ webhookId: second!['webhook-id'], scheme: 'standard' }]);
    });

    it('a retry at a later flush (through BatchProcessor): the same webhook-id, a timestamp of its own, accepted past the first one’s tolerance', async () => {
      clock = sinon.useFakeTimers({ now: Date.UTC(2026, 5, 1), toFake: ['Date'] });
      let fail = true;
      const received: string[][] = [];
      const server = await serve(
        receiver({
          secret: [NEW, OLD],
          onBatch: (payload: WebhookPayload) => {
            if (fail) throw new Error('not yet');
            received.push(payload.events.map((e) => String(e.userKey)));
          },
        }),
      );
      close = server.close;
      const processor = new BatchProcessor(exporter({ secret: [NEW, OLD], signatureScheme: 'both', maxRetries: 0 }, server.url));
      processor.add(feature(1));
      processor.add(feature(2));
      await processor.forceFlush();
      assert.equal(processor.stats().failedExports, 1);
      clock.tick(10 * 60_000); // past the 300 s tolerance of the first attempt's timestamp
      fail = false;
      await processor.forceFlush();
      await processor.shutdown();
      assert.deepEqual(server.seen.map((s) => s.status), [500, 204]);
      const [first, second] = server.seen.map((s) => s.headers);
      assert.equal(first!['webhook-id'], second!['webhook-id']);
      assert.equal(Number(second!['webhook-timestamp']) - Number(first!['webhook-timestamp']), 600);
      assert.equal(first!['x-hub-signature-256'], second!['x-hub-signature-256'], 'the same batch, the same bytes');
      assert.deepEqual(received, [['u1', 'u2']]);
      assert.equal(processor.stats().delivered, 2);
    });

    it("gzip with rotated secrets: a receiver still on the old secret verifies the compressed bytes and gets the events", async () => {
      const got: Array<{ payload: WebhookPayload; info: BatchInfo }> = [];
      const server = await serve(receiver({ secret: OLD, onBatch: (payload, info) => void got.push({ payload, info }) }));
      close = server.close;
      const batch: ExportableEvent[] = Array.from({ length: 500 }, (_, i) => feature(i));
      const result = await new Promise<ExportResult>((resolve) =>
        exporter({ secret: [NEW, OLD], signatureScheme: 'standard', compression: 'gzip' }, server.url).export(batch, resolve),
      );
      assert.equal(result.code, ExportResultCode.SUCCESS);
      assert.equal(server.seen[0]?.headers['content-encoding'], 'gzip');
      assert.equal(got.length, 1);
      assert.deepEqual(got[0]!.payload.events.map((e) => e.userKey), batch.map((e) => e.userKey));
      assert.equal(got[0]!.info.scheme, 'standard');
    });
  });
}
