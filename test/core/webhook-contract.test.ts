import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { hostname } from 'node:os';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import nock from 'nock';
import sinon from 'sinon';
import { BatchProcessor } from '../../src/batch-processor.js';
import type { ExportableEvent } from '../../src/events.js';
import { WebhookError } from '../../src/webhook/errors.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import type { WebhookExporterOptions } from '../../src/webhook/webhook-options.js';
import { DiagCapture, FAKE_NOW, fakeClock, feature, features, tracking } from './support/helpers.js';

const ORIGIN = 'http://hooks.test';
const URL_ = `${ORIGIN}/ff/events`;
const SECRET = 'contract-secret';
const PKG_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
}

type Reply = number | [number, Record<string, string>] | { error: string };

/** Answers POSTs to URL_ with `replies` in turn and records each request as nock saw it. */
function endpoint(...replies: Reply[]): { seen: Seen[]; scope: nock.Scope } {
  const seen: Seen[] = [];
  const scope = nock(ORIGIN);
  for (const reply of replies) {
    const interceptor = scope.post('/ff/events');
    if (typeof reply === 'number') interceptor.reply(reply);
    else if (Array.isArray(reply)) interceptor.reply(reply[0], '', reply[1]);
    // nock 14 hangs on a plain-object error: it needs an Error instance.
    else interceptor.replyWithError(Object.assign(new Error(`connect ${reply.error}`), { code: reply.error }));
  }
  scope.on('request', (req: { headers: IncomingHttpHeaders }, _interceptor: unknown, body: string) => {
    seen.push({ headers: { ...req.headers }, body });
  });
  return { seen, scope };
}

function failedWith(result: ExportResult): WebhookError {
  assert.equal(result.code, ExportResultCode.FAILED);
  assert.ok(result.error instanceof WebhookError, `a WebhookError, got ${String(result.error)}`);
  return result.error;
}

describe('WebhookExporter request contract (SPEC §5, nock)', () => {
  const exporters: WebhookExporter[] = [];
  let clock: sinon.SinonFakeTimers | undefined;
  let capture: DiagCapture | undefined;

  function make(options: Partial<WebhookExporterOptions> = {}): WebhookExporter {
    const exporter = new WebhookExporter({ endpointUrl: URL_, secret: SECRET, meta: { hostname: 'host-1' }, ...options });
    exporters.push(exporter);
    return exporter;
  }

  function send(exporter: WebhookExporter, batch: ExportableEvent[], signal?: AbortSignal): Promise<ExportResult> {
    return new Promise((resolve) => exporter.export(batch, resolve, signal ? { signal } : undefined));
  }

  // nock intercepts every http request once imported; keep it to this file, as the real-server tests want real sockets.
  before(() => {
    if (!nock.isActive()) nock.activate();
  });
  after(() => {
    nock.restore();
  });

  beforeEach(() => {
    nock.disableNetConnect();
  });

  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    sinon.restore();
    capture?.dispose();
    capture = undefined;
    nock.cleanAll();
    nock.enableNetConnect();
    await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
  });

  describe('the request', () => {
    it('POSTs the exact body bytes: Go field order, version/source "" when absent, empty contextKind/metadata omitted, sorted keys', async () => {
      const { seen } = endpoint(204);
      const exporter = make({ meta: { zone: 'eu', app: 'shop' } });
      const result = await send(exporter, [
        feature(1, { contextKind: 'user', version: '3', source: 'SERVER', value: { b: 1, a: [2, { d: 1, c: 0 }] }, metadata: { reason: 'STATIC', provider: 'p' } }),
        feature(2, { contextKind: '', metadata: {} }),
        tracking(3, { evaluationContext: { targetingKey: 'u3', anonymous: true }, trackingEventDetails: { z: 'é☃', a: null } }),
      ]);
      assert.deepEqual(result, { code: ExportResultCode.SUCCESS });
      assert.equal(seen.length, 1);
      assert.equal(
        seen[0]?.body,
        '{"meta":{"app":"shop","hostname":"' + hostname() + '","zone":"eu"},"events":[' +
          '{"kind":"feature","contextKind":"user","userKey":"u1","creationDate":1700000001,"key":"flag","variation":"on",' +
          '"value":{"a":[2,{"c":0,"d":1}],"b":1},"default":false,"version":"3","source":"SERVER","metadata":{"provider":"p","reason":"STATIC"}},' +
          '{"kind":"feature","userKey":"u2","creationDate":1700000002,"key":"flag","variation":"on","value":true,"default":false,"version":"","source":""},' +
          '{"kind":"tracking","userKey":"u3","creationDate":1700000003,"key":"checkout",' +
          '"evaluationContext":{"anonymous":true,"targetingKey":"u3"},"trackingEventDetails":{"a":null,"z":"é☃"}}' +
          ']}',
      );
      assert.equal(seen[0]?.headers['content-length'], String(Buffer.byteLength(seen[0]?.body ?? '', 'utf8')));
    });

    it('sends Content-Type, User-Agent with the package version, a UUID webhook-id and X-Hub-Signature-256 over the exact bytes', async () => {
      const { seen } = endpoint(200);
      await send(make({ headers: { Authorization: 'Bearer abc', 'X-Tenant': ['t1', 't2'] } }), [feature(1)]);
      const { headers, body } = seen[0] ?? assert.fail('no request');
      assert.equal(headers['content-type'], 'application/json');
      assert.equal(headers['user-agent'], `ff-webhook-exporter/${PKG_VERSION}`);
      assert.match(String(headers['webhook-id']), UUID);
      const expected = 'sha256=' + createHmac('sha256', SECRET).update(Buffer.from(body, 'utf8')).digest('hex');
      assert.equal(headers['x-hub-signature-256'], expected);
      assert.match(String(headers['x-hub-signature-256']), /^sha256=[0-9a-f]{64}$/);
      assert.equal(headers.authorization, 'Bearer abc');
      assert.equal(headers['x-tenant'], 't1, t2');
    });

    // SPEC §9 changed this: an empty or undefined secret used to mean unsigned; now only a left-out key does.
    it('sends no signature header when the secret is left out', async () => {
      const { seen } = endpoint(204);
      const unsigned = new WebhookExporter({ endpointUrl: URL_, meta: { hostname: 'host-1' } });
      exporters.push(unsigned);
      await send(unsigned, [feature(1)]);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.headers['x-hub-signature-256'], undefined);
      assert.equal(seen[0]?.headers['webhook-signature'], undefined);
      assert.match(String(seen[0]?.headers['webhook-id']), UUID);
    });

    it('meta.hostname is the machine hostname unless meta sets it', async () => {
      const { seen } = endpoint(204, 204);
      await send(make({ meta: { region: 'r' } }), [feature(1)]);
      await send(make({ meta: undefined }), [feature(1)]);
      assert.ok(seen[0]?.body.startsWith(`{"meta":{"hostname":${JSON.stringify(hostname())},"region":"r"},"events":[`), seen[0]?.body);
      assert.ok(seen[1]?.body.startsWith(`{"meta":{"hostname":${JSON.stringify(hostname())}},"events":[`), seen[1]?.body);
    });

    it('leaves invalid events out of the body (export never throws)', async () => {
      const { seen } = endpoint(204);
      const bad = { ...feature(2), value: 5n } as unknown as ExportableEvent;
      const result = await send(make(), [feature(1), bad, feature(3)]);
      assert.equal(result.code, ExportResultCode.SUCCESS);
      assert.deepEqual(
        (JSON.parse(seen[0]?.body ?? '') as { events: Array<{ userKey: string }> }).events.map((e) => e.userKey),
        ['u1', 'u3'],
      );
    });
  });

  describe('§3 callback contract', () => {
    it('calls the callback exactly once, whatever the outcome', async () => {
      sinon.stub(Math, 'random').returns(0);
      endpoint(204, 500, 500, { error: 'ECONNRESET' }, { error: 'ECONNRESET' }, 413);
      const exporter = make({ maxRetries: 1 });
      const counts: number[] = [];
      for (let i = 0; i < 4; i++) {
        let count = 0;
        await new Promise<void>((resolve) =>
          exporter.export([feature(i)], () => {
            count++;
            resolve();
          }),
        );
        await exporter.forceFlush();
        counts.push(count);
      }
      const controller = new AbortController();
      controller.abort();
      let aborted = 0;
      exporter.export([feature(9)], () => aborted++, { signal: controller.signal });
      await exporter.forceFlush();
      assert.deepEqual([...counts, aborted], [1, 1, 1, 1, 1]);
    });

    it('POSTs to https endpoints too', async () => {
      const scope = nock('https://secure.test').post('/ff').reply(204);
      const exporter = make({ endpointUrl: 'https://secure.test/ff' });
      assert.equal((await send(exporter, [feature(1)])).code, ExportResultCode.SUCCESS);
      assert.ok(scope.isDone());
    });
  });

  describe('webhook-id', () => {
    it('is the same on every in-call retry of a batch, and differs between export calls', async () => {
      sinon.stub(Math, 'random').returns(0);
      const { seen } = endpoint(500, 503, 204, 204);
      assert.equal((await send(make(), [feature(1)])).code, ExportResultCode.SUCCESS);
      assert.equal(seen.length, 3);
      const id = seen[0]?.headers['webhook-id'];
      assert.match(String(id), UUID);
      assert.deepEqual(seen.map((s) => s.headers['webhook-id']), [id, id, id]);
      await send(exporters[0] ?? assert.fail(), [feature(1)]);
      assert.notEqual(seen[3]?.headers['webhook-id'], id, 'a new export call is a new batch');
    });

    it('is the same when the processor sends a failed batch again at a later flush; a new batch gets a new id', async () => {
      const { seen } = endpoint(503, 204, 204);
      const processor = new BatchProcessor(make({ maxRetries: 0 }), { flushInterval: 600_000 });
      try {
        processor.add(feature(1));
        await processor.forceFlush();
        assert.equal(processor.stats().failedExports, 1);
        await processor.forceFlush();
        processor.add(feature(2));
        await processor.forceFlush();
        assert.equal(processor.stats().delivered, 2);
        const ids = seen.map((s) => s.headers['webhook-id']);
        assert.equal(ids[0], ids[1]);
        assert.notEqual(ids[2], ids[0]);
        assert.equal(seen[0]?.body, seen[1]?.body, 'the same events, the same bytes');
      } finally {
        await processor.shutdown();
      }
    });

    it('a 413 fails the export at once with status 413 (no in-call retry); the halves go out under new ids', async () => {
      const { seen } = endpoint(413, 204);
      const exporter = make({ maxRetries: 3 });
      const error = failedWith(await send(exporter, features(1, 3)));
      assert.equal(error.status, 413);
      assert.equal(seen.length, 1, 'one request, not retried');
      nock.cleanAll();
      const again = endpoint(413, 204, 204);
      const processor = new BatchProcessor(exporter, { flushInterval: 600_000 });
      try {
        for (const event of features(1, 3)) processor.add(event);
        await processor.forceFlush();
        const ids = again.seen.map((s) => String(s.headers['webhook-id']));
        assert.equal(new Set(ids).size, 3);
        const counts = again.seen.map((s) => (JSON.parse(s.body) as { events: unknown[] }).events.length);
        assert.deepEqual(counts, [3, 2, 1]);
        assert.equal(processor.stats().delivered, 3);
        assert.equal(processor.stats().failedExports, 0);
      } finally {
        await processor.shutdown();
      }
    });
  });

  describe('status classes and in-call retries', () => {
    for (const status of [200, 201, 202, 204, 299]) {
      it(`${status} is success`, async () => {
        const { seen } = endpoint(status);
        assert.deepEqual(await send(make(), [feature(1)]), { code: ExportResultCode.SUCCESS });
        assert.equal(seen.length, 1);
      });
    }

    for (const status of [408, 425, 429, 500, 502, 503, 504, 599]) {
      it(`${status} is transient: retried in-call maxRetries times, then fails with status ${status}`, async () => {
        sinon.stub(Math, 'random').returns(0);
        const { seen } = endpoint(status, status, status, status);
        const error = failedWith(await send(make({ maxRetries: 2 }), [feature(1)]));
        assert.equal(seen.length, 3, '1 attempt + 2 retries');
        assert.equal(error.status, status);
      });
    }

    for (const status of [301, 302, 304, 307, 400, 401, 403, 404, 405, 409, 410, 422]) {
      it(`${status} fails the export at once, not retried in-call`, async () => {
        const { seen, scope } = endpoint(status);
        endpoint(204);
        const error = failedWith(await send(make({ maxRetries: 3 }), [feature(1)]));
        assert.equal(error.status, status);
        assert.equal(seen.length, 1);
        assert.ok(scope.isDone());
        assert.equal(nock.pendingMocks().length, 1, 'the second interceptor is never used');
      });
    }

    it('network errors are transient and retried in-call; the error carries the code', async () => {
      sinon.stub(Math, 'random').returns(0);
      const { seen } = endpoint({ error: 'ECONNRESET' }, { error: 'ECONNRESET' }, 204);
      assert.equal((await send(make({ maxRetries: 2 }), [feature(1)])).code, ExportResultCode.SUCCESS);
      assert.equal(seen.length, 3);
      endpoint({ error: 'ECONNREFUSED' }, { error: 'ECONNREFUSED' });
      const error = failedWith(await send(make({ maxRetries: 1 }), [feature(1)]));
      assert.equal(error.code, 'ECONNREFUSED');
      assert.equal(error.status, undefined);
    });

    it('maxRetries: 0 makes exactly one attempt', async () => {
      const { seen } = endpoint(503, 204);
      failedWith(await send(make({ maxRetries: 0 }), [feature(1)]));
      assert.equal(seen.length, 1);
    });

    it('a redirect is never followed: 302 fails with status 302 and the target gets nothing', async () => {
      endpoint([302, { Location: 'http://elsewhere.test/steal' }]);
      const target = nock('http://elsewhere.test').post('/steal').reply(204);
      const error = failedWith(await send(make(), [feature(1)]));
      assert.equal(error.status, 302);
      assert.equal(target.isDone(), false);
    });
  });

  describe('retry timing (fake timers)', () => {
    /** Runs an export to its end, recording how long each in-call wait lasted. */
    async function waitsOf(exporter: WebhookExporter, retries: number): Promise<{ waits: number[]; result: ExportResult }> {
      const c = clock ?? assert.fail('fake clock');
      const cap = capture ?? assert.fail('diag capture');
      const done = send(exporter, [feature(1)]);
      const waits: number[] = [];
      for (let i = 1; i <= retries; i++) {
        await cap.waitFor(/retrying/, i);
        const before = Date.now();
        assert.equal(c.countTimers(), 1, 'only the retry wait is scheduled');
        await c.nextAsync();
        waits.push(Date.now() - before);
      }
      return { waits, result: await done };
    }

    beforeEach(() => {
      clock = fakeClock();
      capture = new DiagCapture();
    });

    it('waits 1 s × 2^n with full jitter (random × ceiling), capped at 5 s', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      const { seen } = endpoint(503, 503, 503, 503, 503);
      const { waits, result } = await waitsOf(make({ maxRetries: 4 }), 4);
      assert.deepEqual(waits, [500, 1_000, 2_000, 2_500]);
      assert.equal(seen.length, 5);
      assert.equal(failedWith(result).status, 503);
    });

    it('the jitter spans the whole ceiling', async () => {
      sinon.stub(Math, 'random').returns(0.999);
      endpoint(500, 500, 500, 500, 204);
      const { waits } = await waitsOf(make({ maxRetries: 4 }), 4);
      assert.deepEqual(waits, [999, 1_998, 3_996, 4_995]);
    });

    it('Retry-After in seconds replaces the wait', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      endpoint([503, { 'Retry-After': '3' }], [429, { 'Retry-After': '0' }], 204);
      const { waits, result } = await waitsOf(make({ maxRetries: 2 }), 2);
      assert.deepEqual(waits, [3_000, 0]);
      assert.equal(result.code, ExportResultCode.SUCCESS);
    });

    it('Retry-After as an HTTP date replaces the wait', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      endpoint([503, { 'Retry-After': new Date(FAKE_NOW + 4_000).toUTCString() }], 204);
      const { waits } = await waitsOf(make({ maxRetries: 2 }), 1);
      assert.deepEqual(waits, [4_000]);
    });

    it('an unreadable Retry-After falls back to the exponential wait', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      endpoint([503, { 'Retry-After': 'soon' }], 204);
      const { waits } = await waitsOf(make({ maxRetries: 1 }), 1);
      assert.deepEqual(waits, [500]);
    });

    it('a Retry-After over 5 s ends the export at once, failed with retryAfterMs', async () => {
      const { seen } = endpoint([429, { 'Retry-After': '6' }], 204);
      const error = failedWith(await send(make({ maxRetries: 5 }), [feature(1)]));
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterMs, 6_000);
      assert.equal(seen.length, 1);
      assert.equal(Date.now(), FAKE_NOW);
    });

    it('when retries run out, the last Retry-After seen goes to the processor', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      endpoint([503, { 'Retry-After': '2' }], 503);
      const { waits, result } = await waitsOf(make({ maxRetries: 1 }), 1);
      assert.deepEqual(waits, [2_000]);
      const error = failedWith(result);
      assert.equal(error.status, 503);
      assert.equal(error.retryAfterMs, 2_000);
    });

    it('never waits past the signal: an abort during a retry wait ends the export at once', async () => {
      endpoint([503, { 'Retry-After': '5' }], 204);
      const controller = new AbortController();
      const exporter = make({ maxRetries: 3 });
      const done = send(exporter, [feature(1)], controller.signal);
      await capture?.waitFor(/retrying/);
      controller.abort();
      const result = await done;
      failedWith(result);
      assert.equal(Date.now(), FAKE_NOW, 'no wait was sat out');
      assert.equal(nock.pendingMocks().length, 1, 'no further attempt');
    });

    it('an export whose signal is already aborted sends nothing', async () => {
      const { seen } = endpoint(204);
      const controller = new AbortController();
      controller.abort();
      failedWith(await send(make(), [feature(1)], controller.signal));
      assert.equal(seen.length, 0);
    });

    it('rule 7: at the processor\'s shutdown deadline, in-call retries are aborted, not sat out', async () => {
      const { seen } = endpoint(...Array.from({ length: 5 }, (): Reply => [503, { 'Retry-After': '4' }]));
      const processor = new BatchProcessor(make({ maxRetries: 5 }), { exportTimeout: 5_000, flushInterval: 600_000 });
      processor.add(feature(1));
      let closed = false;
      const closing = processor.shutdown().then(() => (closed = true));
      await capture?.waitFor(/retrying/, 1);
      await clock?.tickAsync(4_000);
      await capture?.waitFor(/retrying/, 2);
      await clock?.tickAsync(999);
      assert.equal(closed, false);
      await clock?.tickAsync(1);
      await closing;
      assert.equal(Date.now(), FAKE_NOW + 5_000, 'resolved at the deadline, not after the 8 s of waits');
      assert.equal(seen.length, 2);
      assert.equal(processor.stats().dropped.shutdown, 1);
    });
  });

  describe('after shutdown', () => {
    it('export fails at once without a request', async () => {
      const { seen } = endpoint(204);
      const exporter = make();
      await exporter.shutdown();
      let result: ExportResult | undefined;
      exporter.export([feature(1)], (r) => (result = r));
      assert.equal(result?.code, ExportResultCode.FAILED);
      assert.equal(seen.length, 0);
    });

    it('shutdown waits for exports already started', async () => {
      endpoint(204);
      const exporter = make();
      let result: ExportResult | undefined;
      exporter.export([feature(1)], (r) => (result = r));
      await exporter.shutdown();
      assert.equal(result?.code, ExportResultCode.SUCCESS);
    });
  });
});
