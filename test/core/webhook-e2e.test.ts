import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type http from 'node:http';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import nock from 'nock';
import sinon from 'sinon';
import { BatchProcessor } from '../../src/batch-processor.js';
import type { ExportableEvent } from '../../src/events.js';
import { createReceiver, type WebhookPayload } from '../../src/receiver.js';
import { serializeEvent } from '../../src/serialize.js';
import { verifySignature } from '../../src/signature.js';
import { WebhookError } from '../../src/webhook/errors.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import type { WebhookExporterOptions } from '../../src/webhook/webhook-options.js';
import {
  DiagCapture,
  Signal,
  TimerTracker,
  fakeClock,
  feature,
  features,
  readBody,
  startServer,
  tracking,
  type TestServer,
} from './support/helpers.js';

const SECRET = 'e2e-secret';

interface Received {
  raw: Buffer;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
}

function failedWith(result: ExportResult): WebhookError {
  assert.equal(result.code, ExportResultCode.FAILED);
  assert.ok(result.error instanceof WebhookError, `a WebhookError, got ${String(result.error)}`);
  return result.error;
}

describe('WebhookExporter end to end (real node:http server on 127.0.0.1)', () => {
  const servers: TestServer[] = [];
  const exporters: WebhookExporter[] = [];
  const processors: BatchProcessor[] = [];
  let clock: sinon.SinonFakeTimers | undefined;
  let capture: DiagCapture | undefined;
  let tracker: TimerTracker | undefined;

  async function serve(handler: http.RequestListener): Promise<TestServer> {
    const server = await startServer(handler);
    servers.push(server);
    return server;
  }

  function make(server: TestServer, options: Partial<WebhookExporterOptions> = {}): WebhookExporter {
    const exporter = new WebhookExporter({ endpointUrl: `${server.url}/hook`, secret: SECRET, ...options });
    exporters.push(exporter);
    return exporter;
  }

  function send(exporter: WebhookExporter, batch: ExportableEvent[]): Promise<ExportResult> {
    return new Promise((resolve) => exporter.export(batch, resolve));
  }

  /** A server that answers with `answer(n)` for the n-th request (0-based) and records what it got. */
  async function scripted(answer: (n: number, req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ server: TestServer; got: Received[] }> {
    const got: Received[] = [];
    const server = await serve((req, res) => {
      void readBody(req).then((raw) => {
        got.push({ raw, headers: req.headers, rawHeaders: req.rawHeaders });
        answer(got.length - 1, req, res);
      });
    });
    return { server, got };
  }

  // Real sockets here: take nock's interceptor out (it drops keep-alive) while these tests run, then put it back as found.
  let nockWasActive = false;
  before(() => {
    nockWasActive = nock.isActive();
    if (nockWasActive) nock.restore();
  });
  after(() => {
    if (nockWasActive) nock.activate();
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    const closing = Promise.all([...processors.splice(0), ...exporters.splice(0)].map((x) => x.shutdown()));
    // With a fake clock, a test that failed midway may leave a retry wait behind: run the clock until all is closed.
    let closed = false;
    void closing.then(() => (closed = true));
    for (let i = 0; clock && !closed && i < 100; i++) {
      await clock.tickAsync(5_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await closing;
    tracker?.restore();
    tracker = undefined;
    clock?.restore();
    clock = undefined;
    sinon.restore();
    capture?.dispose();
    capture = undefined;
  });

  it('delivers to createReceiver: onBatch gets the events and webhook-id; the signature verifies against the raw bytes received', async () => {
    const batches: Array<{ payload: WebhookPayload; webhookId: string | undefined }> = [];
    const raws: Received[] = [];
    const receiver = createReceiver({ secret: SECRET, onBatch: (payload, info) => void batches.push({ payload, webhookId: info.webhookId }) });
    const server = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => raws.push({ raw: Buffer.concat(chunks), headers: req.headers, rawHeaders: req.rawHeaders }));
      receiver(req, res);
    });
    const exporter = make(server, { meta: { env: 'test' }, headers: { Authorization: 'Bearer t', 'X-Tenant': ['a', 'b'] } });
    const processor = new BatchProcessor(exporter, { flushInterval: 600_000 });
    processors.push(processor);
    const events = [feature(1, { value: { 'é': '☃', a: 1 } }), tracking(2), feature(3, { metadata: { z: 1, a: 2 } })];
    for (const event of events) processor.add(event);
    await processor.forceFlush();

    assert.equal(processor.stats().delivered, 3);
    assert.equal(batches.length, 1);
    const { raw, headers, rawHeaders } = raws[0] ?? assert.fail('nothing received');
    const signature = String(headers['x-hub-signature-256']);
    assert.equal(verifySignature(raw, SECRET, signature), true);
    assert.equal(signature, 'sha256=' + createHmac('sha256', SECRET).update(raw).digest('hex'));
    assert.equal(headers['content-length'], String(raw.length));
    assert.equal(
      raw.toString('utf8'),
      `{"meta":{"env":"test","hostname":${JSON.stringify((batches[0]?.payload.meta ?? {}).hostname)}},"events":[` +
        events.map((e) => serializeEvent(e)).join(',') +
        ']}',
    );
    assert.deepEqual(batches[0]?.payload.events, JSON.parse(`[${events.map((e) => serializeEvent(e)).join(',')}]`));
    assert.equal(batches[0]?.webhookId, headers['webhook-id']);
    // A multi-value header goes out as one header line per value.
    const tenantLines = rawHeaders.filter((_, i) => i % 2 === 0 && rawHeaders[i]?.toLowerCase() === 'x-tenant').length;
    assert.equal(tenantLines, 2);
    assert.equal(headers['x-tenant'], 'a, b');
    assert.equal(headers.authorization, 'Bearer t');
  });

  it('retries after 500s with the same id and bytes, then succeeds', async () => {
    sinon.stub(Math, 'random').returns(0);
    const { server, got } = await scripted((n, _req, res) => res.writeHead(n < 2 ? 500 : 204).end());
    assert.equal((await send(make(server), [feature(1)])).code, ExportResultCode.SUCCESS);
    assert.equal(got.length, 3);
    assert.equal(new Set(got.map((g) => g.headers['webhook-id'])).size, 1);
    assert.equal(new Set(got.map((g) => g.raw.toString('hex'))).size, 1);
  });

  it('uses one keep-alive connection for consecutive exports', async () => {
    let connections = 0;
    const { server, got } = await scripted((_n, _req, res) => res.writeHead(204).end());
    server.server.on('connection', () => connections++);
    const exporter = make(server);
    for (let i = 0; i < 3; i++) assert.equal((await send(exporter, [feature(i)])).code, ExportResultCode.SUCCESS);
    assert.equal(got.length, 3);
    assert.equal(connections, 1);
  });

  it('429 with Retry-After: 1 waits 1 s and tries again', async () => {
    clock = fakeClock();
    capture = new DiagCapture();
    const { server, got } = await scripted((n, _req, res) => res.writeHead(n === 0 ? 429 : 204, n === 0 ? { 'Retry-After': '1' } : {}).end());
    const done = send(make(server), [feature(1)]);
    await capture.waitFor(/retrying/);
    const before = Date.now();
    await clock.nextAsync();
    assert.equal(Date.now() - before, 1_000);
    assert.equal((await done).code, ExportResultCode.SUCCESS);
    assert.equal(got.length, 2);
  });

  it('429 with Retry-After over 5 s ends the export at once with retryAfterMs', async () => {
    const { server, got } = await scripted((_n, _req, res) => res.writeHead(429, { 'Retry-After': '30' }).end());
    const error = failedWith(await send(make(server, { maxRetries: 5 }), [feature(1)]));
    assert.equal(error.status, 429);
    assert.equal(error.retryAfterMs, 30_000);
    assert.equal(got.length, 1);
  });

  it('a hanging endpoint: the attempt deadline aborts the request and the server sees the socket close', async () => {
    clock = fakeClock();
    const arrived = new Signal<string>();
    const closed = new Signal<string>();
    const server = await serve((req) => {
      req.resume();
      arrived.push('request');
      req.socket.on('close', () => closed.push('closed'));
    });
    const done = send(make(server, { timeout: 2_000, maxRetries: 0 }), [feature(1)]);
    await arrived.next();
    await clock.tickAsync(1_999);
    let settled = false;
    void done.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false);
    await clock.tickAsync(1);
    assert.equal(await closed.next(), 'closed');
    const error = failedWith(await done);
    assert.equal(error.code, 'ETIMEDOUT');
  });

  it('a timed-out attempt is transient: retried in-call under the same webhook-id', async () => {
    clock = fakeClock();
    capture = new DiagCapture();
    sinon.stub(Math, 'random').returns(0.5);
    const arrived = new Signal<{ req: http.IncomingMessage; res: http.ServerResponse }>();
    const server = await serve((req, res) => {
      req.resume();
      arrived.push({ req, res });
    });
    const done = send(make(server, { timeout: 2_000, maxRetries: 1 }), [feature(1)]);
    const first = await arrived.next(); // left hanging
    await clock.tickAsync(2_000);
    await capture.waitFor(/retrying/);
    await clock.nextAsync(); // the 500 ms retry wait
    const second = await arrived.next();
    second.res.writeHead(204).end();
    assert.equal((await done).code, ExportResultCode.SUCCESS);
    assert.equal(second.req.headers['webhook-id'], first.req.headers['webhook-id']);
  });

  it('the attempt deadline also covers a reply that starts but never ends', async () => {
    clock = fakeClock();
    const arrived = new Signal<string>();
    const server = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('still going...');
      arrived.push('answering');
    });
    const done = send(make(server, { timeout: 3_000, maxRetries: 0 }), [feature(1)]);
    await arrived.next();
    await clock.tickAsync(3_000);
    assert.equal(failedWith(await done).code, 'ETIMEDOUT');
  });

  // The retry wait is a `timers/promises` timer, which the fake clock drives but cannot show as
  // unref()ed: process-exit.test.ts shows that by a program exiting in the middle of one.
  it('the attempt deadline is an unref()ed timer; the retry wait runs on the clock with no ref\'d timer beside it', async () => {
    clock = fakeClock();
    capture = new DiagCapture();
    tracker = new TimerTracker(clock);
    const arrived = new Signal<http.ServerResponse>();
    let attempts = 0;
    const server = await serve((req, res) => {
      attempts++;
      req.resume();
      arrived.push(res);
    });
    const done = send(make(server, { timeout: 7_000 }), [feature(1)]);
    const first = await arrived.next();
    // Only the library's own timers: axios adds a ref'd connect-phase timer of its own while it waits for
    // the response headers, when the in-flight socket holds the process anyway.
    const own = (): TimerTracker['created'] => (tracker?.live() ?? []).filter((t) => t.own);
    assert.ok(own().some((t) => t.delay === 7_000), 'the attempt deadline is running');
    assert.deepEqual(own().filter((t) => t.handle.hasRef()), [], 'no ref\'d timer of ours during the attempt');
    first.writeHead(503, { 'Retry-After': '2' }).end();
    await capture.waitFor(/retrying/);
    assert.equal(clock.countTimers(), 1, 'only the retry wait is scheduled');
    assert.deepEqual(tracker.refed(), [], 'no ref\'d timer at all during the retry wait');
    await clock.tickAsync(1_999);
    assert.equal(attempts, 1, 'no second attempt before Retry-After has passed');
    await clock.nextAsync();
    (await arrived.next()).writeHead(204).end();
    assert.equal((await done).code, ExportResultCode.SUCCESS);
  });

  it('a reset connection is a transient network error: retried in-call', async () => {
    sinon.stub(Math, 'random').returns(0);
    const { server, got } = await scripted((n, req, res) => (n === 0 ? req.socket.destroy() : res.writeHead(204).end()));
    assert.equal((await send(make(server, { maxRetries: 1 }), [feature(1)])).code, ExportResultCode.SUCCESS);
    assert.equal(got.length, 2);
    const always = await scripted((_n, req) => req.socket.destroy());
    const error = failedWith(await send(make(always.server, { maxRetries: 1 }), [feature(1)]));
    assert.equal(error.code, 'ECONNRESET');
    assert.equal(always.got.length, 2);
  });

  it('a refused connection fails with ECONNREFUSED', async () => {
    sinon.stub(Math, 'random').returns(0);
    const { server } = await scripted(() => undefined);
    await server.close();
    const error = failedWith(await send(make(server, { maxRetries: 1 }), [feature(1)]));
    assert.equal(error.code, 'ECONNREFUSED');
  });

  it('a 302 redirect is never followed: the target gets nothing and the export fails with status 302', async () => {
    const target = await scripted((_n, _req, res) => res.writeHead(204).end());
    const { server, got } = await scripted((_n, _req, res) => res.writeHead(302, { Location: `${target.server.url}/steal` }).end());
    const error = failedWith(await send(make(server), [feature(1)]));
    assert.equal(error.status, 302);
    assert.equal(got.length, 1);
    assert.equal(target.got.length, 0);
  });

  it('a large 2xx reply is still a success', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 'x');
    const { server } = await scripted((_n, _req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(big));
    const exporter = make(server);
    assert.equal((await send(exporter, [feature(1)])).code, ExportResultCode.SUCCESS);
    assert.equal((await send(exporter, [feature(2)])).code, ExportResultCode.SUCCESS, 'and the next export works too');
  });

  it('a 413 from a real server makes the processor split the batch; a single event answered 413 is dropped as invalid', async () => {
    const sizes: number[] = [];
    const real = await serve((req, res) => {
      void readBody(req).then((raw) => {
        const events = (JSON.parse(raw.toString()) as { events: Array<{ userKey: string }> }).events;
        sizes.push(events.length);
        res.writeHead(events.length > 2 || events.some((e) => e.userKey === 'u4') ? 413 : 204).end();
      });
    });
    const processor = new BatchProcessor(make(real), { flushInterval: 600_000 });
    processors.push(processor);
    for (const event of features(1, 5)) processor.add(event);
    await processor.forceFlush();
    assert.deepEqual(sizes, [5, 3, 2, 1, 2, 1, 1]);
    assert.deepEqual(processor.stats().dropped, { overflow: 0, invalid: 1, shutdown: 0, corrupt: 0 });
    assert.equal(processor.stats().delivered, 4);
    assert.equal(processor.stats().failedExports, 0);
  });

  describe('proxy from the environment', () => {
    const saved: Record<string, string | undefined> = {};
    const names = ['HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'HTTPS_PROXY', 'https_proxy'];
    beforeEach(() => {
      for (const name of names) {
        saved[name] = process.env[name];
        delete process.env[name];
      }
    });
    afterEach(() => {
      for (const name of names) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    });

    it('HTTP_PROXY is used (axios proxy support stays on), NO_PROXY bypasses it', async () => {
      const proxied: string[] = [];
      const proxy = await serve((req, res) => {
        proxied.push(`${req.method} ${req.url}`);
        req.resume();
        res.writeHead(204).end();
      });
      process.env.HTTP_PROXY = proxy.url;
      const viaProxy = new WebhookExporter({ endpointUrl: 'http://hooks.example.invalid/ff', maxRetries: 0 });
      exporters.push(viaProxy);
      assert.equal((await send(viaProxy, [feature(1)])).code, ExportResultCode.SUCCESS);
      assert.deepEqual(proxied, ['POST http://hooks.example.invalid/ff']);

      const { server, got } = await scripted((_n, _req, res) => res.writeHead(204).end());
      process.env.NO_PROXY = '127.0.0.1';
      assert.equal((await send(make(server, { maxRetries: 0 }), [feature(2)])).code, ExportResultCode.SUCCESS);
      assert.equal(got.length, 1);
      assert.equal(proxied.length, 1);
    });
  });
});
