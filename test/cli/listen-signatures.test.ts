import assert from 'node:assert/strict';
import net from 'node:net';
import { request } from 'node:http';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ExportableEvent } from '../../src/events.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import type { WebhookExporterOptions } from '../../src/webhook/webhook-options.js';
import { BODY, nowSeconds, standardHeaders } from '../support/webhook-signing.js';
import { ensureBuilt, featureEvent, ListenProcess, ndjson, runCli } from './helpers.js';

const NEW = 'whsec_' + Buffer.from('listen, the new key').toString('base64');
const OLD = 'the-old-plain-secret';

function post(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)));
    req.on('error', reject);
    req.end(body);
  });
}

describe('ff-webhook listen --secret: both schemes, several secrets (SPEC §9, built bin)', function () {
  this.timeout(30_000);
  let listen: ListenProcess | undefined;
  const exporters: WebhookExporter[] = [];

  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
  });
  afterEach(async () => {
    await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
    await listen?.stop('SIGKILL');
    listen = undefined;
  });

  const exportTo = (options: Omit<WebhookExporterOptions, 'endpointUrl'>): Promise<ExportResult> => {
    const exporter = new WebhookExporter({ endpointUrl: listen!.url, maxRetries: 0, ...options });
    exporters.push(exporter);
    return new Promise((resolve) => exporter.export([featureEvent(1) as unknown as ExportableEvent], resolve));
  };

  it('accepts Standard Webhooks and GitHub-style deliveries signed with any --secret; refuses a third key and a stale timestamp', async () => {
    listen = await ListenProcess.start(['--secret', NEW, '--secret', OLD]);
    assert.equal((await exportTo({ secret: NEW, signatureScheme: 'standard' })).code, ExportResultCode.SUCCESS);
    assert.equal((await exportTo({ secret: [OLD], signatureScheme: 'standard' })).code, ExportResultCode.SUCCESS);
    assert.equal((await exportTo({ secret: [NEW, OLD], signatureScheme: 'both' })).code, ExportResultCode.SUCCESS);
    const sent = await runCli(['send', '--endpoint', listen.url, '--secret', OLD], { input: ndjson([featureEvent(2)]) });
    assert.equal(sent.code, 0, sent.stderr); // the CLI signs GitHub-style
    await listen.waitForLine(/^batch .* events=1 signature=valid$/);

    const wrong = await exportTo({ secret: 'a third key', signatureScheme: 'standard' });
    assert.equal((wrong.error as { status?: number } | undefined)?.status, 401);
    const stale = await post(listen.url, { 'content-type': 'application/json', ...standardHeaders(BODY, [NEW], { id: 'stale', timestamp: nowSeconds() - 3600 }) }, BODY);
    assert.equal(stale, 401);

    const stopped = await listen.stop('SIGTERM');
    const batches = listen.lines.filter((line) => line.startsWith('batch '));
    assert.equal(batches.length, 4, listen.lines.join('\n'));
    for (const line of batches) assert.match(line, /signature=valid$/);
    assert.equal(listen.lines.filter((line) => /^rejected id=\S+ status=401 signature=invalid$/.test(line)).length, 2);
    assert.match(listen.lines.at(-1) ?? '', /^closed: 4 batches, 4 events received, 2 requests rejected$/);
    assert.ok(![NEW, OLD].some((secret) => stopped.stdout.includes(secret) || stopped.stderr.includes(secret)), 'a secret was printed');
  });

  it('caps the bytes buffered across all requests (one receiver for every request): 503 past 64 MiB', async function () {
    this.timeout(60_000);
    listen = await ListenProcess.start([]);
    const MiB = 1024 * 1024;
    const held: net.Socket[] = [];
    const holdBody = async (declared: number, sent: number): Promise<net.Socket> => {
      const socket = net.connect(listen!.port, '127.0.0.1');
      held.push(socket);
      socket.on('error', () => undefined);
      socket.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`);
      await new Promise<void>((resolve) => socket.write(Buffer.alloc(sent, 32), () => resolve()));
      return socket;
    };
    try {
      // Two clients hold 31 MiB each of bodies that never end (each under the 32 MiB body limit). A write's
      // callback means the kernel took it: the server has read all but what loopback buffers hold (a few MiB).
      await holdBody(32 * MiB, 31 * MiB);
      await holdBody(32 * MiB, 31 * MiB);
      // A third declares 16 MiB (under the body limit): with over 48 MiB held, it would pass the 64 MiB cap.
      const probe = net.connect(listen.port, '127.0.0.1');
      held.push(probe);
      probe.on('error', () => undefined);
      probe.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${16 * MiB}\r\n\r\n`);
      const answer = await new Promise<string>((resolve) => {
        let data = '';
        probe.on('data', (chunk: Buffer) => (data += chunk.toString()));
        probe.on('close', () => resolve(data));
      });
      assert.match(answer, /^HTTP\/1\.1 503 [\s\S]*Retry-After: 1/);
      await listen.waitForLine(/^rejected id=- status=503 busy: too many bodies buffered at once$/);
    } finally {
      held.forEach((socket) => socket.destroy());
    }
    assert.equal(await post(listen.url, { 'content-type': 'application/json' }, BODY), 204, 'the bytes were given back');
  });
});
