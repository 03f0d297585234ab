import assert from 'node:assert/strict';
import type http from 'node:http';
import { inspect } from 'node:util';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import sinon from 'sinon';
import { BatchProcessor } from '../../src/batch-processor.js';
import { WebhookError } from '../../src/webhook/errors.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import { DiagCapture, Signal, deadPort, fakeClock, feature, startServer, type TestServer } from './support/helpers.js';

const SECRET = 'hygiene-S3CRET-value';
const AUTH = 'Bearer HYG-TOKEN-123';
const KEYS = ['KEY-ONE-456', 'KEY-TWO-789'];
const PATH_TOKEN = 'PATH-TOKEN-000';
/** Nothing here may ever show up in an error or a log line. */
const NEVER = [SECRET, 'HYG-TOKEN-123', ...KEYS, PATH_TOKEN];

function assertClean(text: string, where: string): void {
  for (const secret of NEVER) assert.ok(!text.includes(secret), `${where} contains ${secret}:\n${text}`);
}

/** The error is the library's own: method, origin, status/code; no request config, headers or secrets. */
function assertHygienic(result: ExportResult, origin: string, where: string): WebhookError {
  assert.equal(result.code, ExportResultCode.FAILED, where);
  const error = result.error;
  assert.ok(error instanceof WebhookError, `${where}: a WebhookError, got ${inspect(error)}`);
  assert.equal(error.method, 'POST');
  assert.equal(error.origin, origin);
  assert.ok(error.status !== undefined || error.code !== undefined, `${where}: carries a status or a code`);
  for (const field of ['config', 'request', 'response', 'headers', 'cause']) {
    assert.equal((error as unknown as Record<string, unknown>)[field], undefined, `${where}: has ${field}`);
  }
  assertClean(error.message, `${where} message`);
  assertClean(String(error.stack), `${where} stack`);
  assertClean(JSON.stringify(error), `${where} JSON`);
  assertClean(inspect(error, { depth: null, showHidden: true }), `${where} inspect`);
  assertClean(String(error), `${where} toString`);
  return error;
}

describe('error hygiene: no secret or header value in any error or log (SPEC §5)', () => {
  let capture: DiagCapture;
  const servers: TestServer[] = [];
  const closeables: Array<{ shutdown(): Promise<void> }> = [];
  let clock: sinon.SinonFakeTimers | undefined;

  function exporterFor(url: string, options: { maxRetries?: number; timeout?: number } = {}): WebhookExporter {
    const exporter = new WebhookExporter({
      endpointUrl: `${url}/hook?token=${PATH_TOKEN}`,
      secret: SECRET,
      headers: { Authorization: AUTH, 'X-Api-Key': KEYS },
      maxRetries: 1,
      ...options,
    });
    closeables.push(exporter);
    return exporter;
  }

  function send(exporter: WebhookExporter, signal?: AbortSignal): Promise<ExportResult> {
    return new Promise((resolve) => exporter.export([feature(1)], resolve, signal ? { signal } : undefined));
  }

  async function serve(handler: http.RequestListener): Promise<TestServer> {
    const server = await startServer(handler);
    servers.push(server);
    return server;
  }

  beforeEach(() => {
    capture = new DiagCapture();
    sinon.stub(Math, 'random').returns(0);
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await Promise.all(closeables.splice(0).map((c) => c.shutdown()));
    clock?.restore();
    clock = undefined;
    sinon.restore();
    for (const entry of capture.entries) assertClean(entry.text, `diag ${entry.level}`);
    capture.dispose();
  });

  const statuses: Array<[string, number, Record<string, string>]> = [
    ['a 500 after retries', 500, {}],
    ['a 413', 413, {}],
    ['a 401', 401, {}],
    ['a 302', 302, { Location: 'http://127.0.0.1:1/elsewhere' }],
    ['a 429 with a long Retry-After', 429, { 'Retry-After': '60' }],
  ];
  for (const [name, status, headers] of statuses) {
    it(`${name}: a clean WebhookError with status ${status}; stats() and diag stay clean`, async () => {
      const server = await serve((req, res) => {
        req.resume();
        res.writeHead(status, headers).end(`echo ${String(req.headers.authorization)} ${String(req.headers['x-hub-signature-256'])}`);
      });
      const error = assertHygienic(await send(exporterFor(server.url)), server.url, name);
      assert.equal(error.status, status);
      const processor = new BatchProcessor(exporterFor(server.url), { flushInterval: 600_000 });
      closeables.push(processor);
      processor.add(feature(2));
      await processor.forceFlush();
      const lastError = processor.stats().lastError;
      if (status !== 413) {
        assert.ok(lastError, 'a failed export is reported');
        assertClean(JSON.stringify(lastError), 'stats().lastError');
        assert.equal(lastError.status, status);
      }
    });
  }

  it('a refused connection: a clean WebhookError with a code', async () => {
    const port = await deadPort();
    const origin = `http://127.0.0.1:${port}`;
    const error = assertHygienic(await send(exporterFor(origin)), origin, 'ECONNREFUSED');
    assert.equal(error.code, 'ECONNREFUSED');
  });

  it('a reset connection: a clean WebhookError with a code', async () => {
    const server = await serve((req) => req.socket.destroy());
    const error = assertHygienic(await send(exporterFor(server.url)), server.url, 'ECONNRESET');
    assert.equal(error.code, 'ECONNRESET');
  });

  it('an aborted export: a clean WebhookError', async () => {
    const arrived = new Signal<string>();
    const server = await serve((req) => {
      req.resume();
      arrived.push('in');
    });
    const controller = new AbortController();
    const done = send(exporterFor(server.url), controller.signal);
    await arrived.next();
    controller.abort();
    assertHygienic(await done, server.url, 'abort');
  });

  it('a timed-out attempt: a clean WebhookError with ETIMEDOUT', async () => {
    clock = fakeClock();
    const arrived = new Signal<string>();
    const server = await serve((req) => {
      req.resume();
      arrived.push('in');
    });
    const done = send(exporterFor(server.url, { timeout: 1_000, maxRetries: 0 }));
    await arrived.next();
    await clock.tickAsync(1_000);
    assert.equal(assertHygienic(await done, server.url, 'timeout').code, 'ETIMEDOUT');
  });

  it('an export after shutdown fails cleanly', async () => {
    const exporter = exporterFor('http://127.0.0.1:1');
    await exporter.shutdown();
    const result = await send(exporter);
    assert.equal(result.code, ExportResultCode.FAILED);
    assertClean(inspect(result.error, { depth: null, showHidden: true }), 'after shutdown');
  });

  it('constructor errors never quote the secret or a header value', () => {
    const bad: unknown[] = [
      { endpointUrl: `ftp://x/${PATH_TOKEN}`, secret: SECRET },
      { endpointUrl: 'http://x/', secret: SECRET, headers: { Authorization: `${AUTH}\r\n` } },
      { endpointUrl: 'http://x/', secret: SECRET, headers: { 'X-Api-Key': [KEYS[0], `${KEYS[1]}\n`] } },
      { endpointUrl: 'http://x/', secret: SECRET, headers: { 'Content-Type': KEYS[0] } },
      { endpointUrl: 'http://x/', secret: SECRET, meta: { a: 1 }, headers: { Authorization: AUTH } },
      { endpointUrl: 'http://x/', secret: SECRET, headers: { Authorization: AUTH }, timeout: -1 },
    ];
    for (const options of bad) {
      assert.throws(
        () => new WebhookExporter(options as ConstructorParameters<typeof WebhookExporter>[0]),
        (error: unknown) => {
          assertClean(inspect(error, { depth: null, showHidden: true }), 'constructor error');
          return error instanceof TypeError || error instanceof RangeError;
        },
      );
    }
  });
});
