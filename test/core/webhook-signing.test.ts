import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { inspect } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import nock from 'nock';
import sinon from 'sinon';
import { Webhook } from 'standardwebhooks';
import type { ExportableEvent } from '../../src/events.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import type { WebhookExporterOptions } from '../../src/webhook/webhook-options.js';
import { DiagCapture, FAKE_NOW, fakeClock, feature, readBody, startServer, type TestServer } from './support/helpers.js';

const ORIGIN = 'http://hooks.test';
const URL_ = `${ORIGIN}/ff/events`;
// Standard Webhooks secrets are the base64 of their key after `whsec_`.
const NEW_SECRET = 'whsec_' + Buffer.from('the-new-signing-key-0123456789ab').toString('base64');
const OLD_SECRET = 'whsec_' + Buffer.from('the-old-signing-key-ba9876543210').toString('base64');

// ESM only: loaded with import() from these CommonJS-compiled tests.
let verifyGithub: (secret: string, payload: string, signature: string) => Promise<boolean>;
before(async () => {
  ({ verify: verifyGithub } = await import('@octokit/webhooks-methods'));
});

interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
}

function endpoint(...replies: Array<number | [number, Record<string, string>]>): Seen[] {
  const seen: Seen[] = [];
  const scope = nock(ORIGIN);
  for (const reply of replies) {
    const interceptor = scope.post('/ff/events');
    if (typeof reply === 'number') interceptor.reply(reply);
    else interceptor.reply(reply[0], '', reply[1]);
  }
  scope.on('request', (req: { headers: IncomingHttpHeaders }, _interceptor: unknown, body: string) => {
    seen.push({ headers: { ...req.headers }, body });
  });
  return seen;
}

/** The three Standard Webhooks headers as the reference verifier takes them. */
function standardHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return {
    'webhook-id': String(headers['webhook-id']),
    'webhook-timestamp': String(headers['webhook-timestamp']),
    'webhook-signature': String(headers['webhook-signature']),
  };
}

describe('WebhookExporter signature schemes (SPEC §9)', () => {
  const exporters: WebhookExporter[] = [];
  let clock: sinon.SinonFakeTimers | undefined;
  let capture: DiagCapture | undefined;

  function make(options: Partial<WebhookExporterOptions>): WebhookExporter {
    const exporter = new WebhookExporter({ endpointUrl: URL_, meta: { hostname: 'h' }, ...options });
    exporters.push(exporter);
    return exporter;
  }

  function send(exporter: WebhookExporter, batch: ExportableEvent[] = [feature(1)]): Promise<ExportResult> {
    return new Promise((resolve) => exporter.export(batch, resolve));
  }

  before(() => {
    if (!nock.isActive()) nock.activate();
  });
  after(() => nock.restore());
  beforeEach(() => nock.disableNetConnect());
  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    capture?.dispose();
    capture = undefined;
    sinon.restore();
    nock.cleanAll();
    nock.enableNetConnect();
    await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
  });

  it("'github' (the default) sends X-Hub-Signature-256 only, and @octokit/webhooks-methods verifies it", async () => {
    const seen = endpoint(204);
    await send(make({ secret: 'It\'s a Secret to Everybody' }));
    const { headers, body } = seen[0] ?? assert.fail('no request');
    assert.equal(headers['webhook-timestamp'], undefined);
    assert.equal(headers['webhook-signature'], undefined);
    assert.match(String(headers['x-hub-signature-256']), /^sha256=[0-9a-f]{64}$/);
    assert.equal(await verifyGithub("It's a Secret to Everybody", body, String(headers['x-hub-signature-256'])), true);
    assert.equal(await verifyGithub('another secret', body, String(headers['x-hub-signature-256'])), false);
  });

  it("'standard' sends webhook-id, webhook-timestamp (Unix seconds) and one v1 signature, which standardwebhooks' verify() accepts", async () => {
    clock = fakeClock();
    const seen = endpoint(204);
    assert.equal((await send(make({ secret: NEW_SECRET, signatureScheme: 'standard' }))).code, ExportResultCode.SUCCESS);
    const { headers, body } = seen[0] ?? assert.fail('no request');
    assert.equal(headers['x-hub-signature-256'], undefined);
    assert.match(String(headers['webhook-id']), /^[0-9a-f-]{36}$/);
    assert.equal(headers['webhook-timestamp'], String(FAKE_NOW / 1000));
    assert.match(String(headers['webhook-signature']), /^v1,[A-Za-z0-9+/]{43}=$/);
    const payload = new Webhook(NEW_SECRET).verify(body, standardHeaders(headers)) as { events: unknown[] };
    assert.equal(payload.events.length, 1);
    assert.throws(() => new Webhook(OLD_SECRET).verify(body, standardHeaders(headers)), /signature/i);
  });

  it('several secrets: one v1 signature each, newest first; the reference verifier accepts either key, refuses a third', async () => {
    const seen = endpoint(204);
    await send(make({ secret: [NEW_SECRET, OLD_SECRET], signatureScheme: 'standard' }));
    const { headers, body } = seen[0] ?? assert.fail('no request');
    const signatures = String(headers['webhook-signature']).split(' ');
    assert.equal(signatures.length, 2);
    for (const secret of [NEW_SECRET, OLD_SECRET]) assert.ok(new Webhook(secret).verify(body, standardHeaders(headers)));
    const only = (sig: string): Record<string, string> => ({ ...standardHeaders(headers), 'webhook-signature': sig });
    assert.ok(new Webhook(NEW_SECRET).verify(body, only(signatures[0] ?? '')), 'the first signature is the newest secret');
    assert.ok(new Webhook(OLD_SECRET).verify(body, only(signatures[1] ?? '')));
    const third = 'whsec_' + Buffer.from('a-third-key-nobody-configured!!').toString('base64');
    assert.throws(() => new Webhook(third).verify(body, standardHeaders(headers)));
  });

  it('a secret without whsec_ is used as its UTF-8 bytes (the reference verifier in raw format accepts it)', async () => {
    const seen = endpoint(204);
    await send(make({ secret: 'plain-text-secret', signatureScheme: 'standard' }));
    const { headers, body } = seen[0] ?? assert.fail('no request');
    assert.ok(new Webhook('plain-text-secret', { format: 'raw' }).verify(body, standardHeaders(headers)));
  });

  it("'both' sends every header; the GitHub one is the first secret's, keyed with the string as given (whsec_ included)", async () => {
    const seen = endpoint(204);
    await send(make({ secret: [NEW_SECRET, OLD_SECRET], signatureScheme: 'both' }));
    const { headers, body } = seen[0] ?? assert.fail('no request');
    assert.ok(new Webhook(OLD_SECRET).verify(body, standardHeaders(headers)));
    assert.equal(await verifyGithub(NEW_SECRET, body, String(headers['x-hub-signature-256'])), true);
    assert.equal(await verifyGithub(OLD_SECRET, body, String(headers['x-hub-signature-256'])), false);
  });

  it('webhook-timestamp is fresh on every in-call retry, webhook-id stays, and each attempt verifies', async () => {
    clock = fakeClock();
    capture = new DiagCapture();
    const seen = endpoint([503, { 'Retry-After': '3' }], [503, { 'Retry-After': '2' }], 204);
    const done = send(make({ secret: NEW_SECRET, signatureScheme: 'both' }));
    for (const [i, seconds] of [[1, 3], [2, 2]] as const) {
      await capture.waitFor(/retrying/, i);
      await clock.tickAsync(seconds * 1000);
    }
    assert.equal((await done).code, ExportResultCode.SUCCESS);
    assert.equal(seen.length, 3);
    const base = FAKE_NOW / 1000;
    assert.deepEqual(seen.map((s) => s.headers['webhook-timestamp']), [String(base), String(base + 3), String(base + 5)]);
    const id = String(seen[0]?.headers['webhook-id']);
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(seen.map((s) => s.headers['webhook-id']), [id, id, id]);
    const signatures = new Set(seen.map((s) => s.headers['webhook-signature']));
    assert.equal(signatures.size, 3, 'each attempt signs its own timestamp');
    // The last attempt is the one a receiver would check now; the GitHub header has no timestamp, so it stays.
    const last = seen[2] ?? assert.fail('no last attempt');
    assert.ok(new Webhook(NEW_SECRET).verify(last.body, standardHeaders(last.headers)));
    assert.equal(new Set(seen.map((s) => s.headers['x-hub-signature-256'])).size, 1);
  });

  it('neither rotated secret shows in inspect, JSON or a failed export\'s error', async () => {
    endpoint([401, {}]);
    const exporter = make({ secret: [NEW_SECRET, OLD_SECRET], signatureScheme: 'both', compression: 'gzip' });
    const result = await send(exporter);
    assert.equal(result.code, ExportResultCode.FAILED);
    const shown = [
      inspect(exporter, { showHidden: true, depth: Infinity }),
      JSON.stringify(exporter),
      inspect(result.error, { showHidden: true, depth: Infinity }),
      JSON.stringify(result.error),
      String(result.error?.stack),
    ].join('\n');
    for (const secret of [NEW_SECRET, OLD_SECRET]) {
      assert.ok(!shown.includes(secret) && !shown.includes(secret.slice(6)), 'a secret leaked');
    }
  });

  it("'standard' without a secret still sends webhook-id and webhook-timestamp, and no signature", async () => {
    const seen = endpoint(204);
    await send(make({ signatureScheme: 'standard' }));
    const { headers } = seen[0] ?? assert.fail('no request');
    assert.match(String(headers['webhook-timestamp']), /^\d{10}$/);
    assert.equal(headers['webhook-signature'], undefined);
    assert.equal(headers['x-hub-signature-256'], undefined);
  });
});

describe("WebhookExporter compression: 'gzip' (SPEC §11, real server)", () => {
  let server: TestServer | undefined;
  const exporters: WebhookExporter[] = [];
  afterEach(async () => {
    await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
    await server?.close();
  });

  it('sends Content-Encoding: gzip; the signatures cover the compressed bytes; the body decompresses to the JSON', async () => {
    const received: Array<{ headers: IncomingHttpHeaders; raw: Buffer }> = [];
    server = await startServer(async (req, res) => {
      received.push({ headers: req.headers, raw: await readBody(req) });
      res.writeHead(204).end();
    });
    const exporter = new WebhookExporter({
      endpointUrl: server.url,
      secret: [NEW_SECRET, OLD_SECRET],
      signatureScheme: 'both',
      compression: 'gzip',
      meta: { hostname: 'h' },
    });
    exporters.push(exporter);
    const batch = Array.from({ length: 200 }, (_, i) => feature(i));
    const result = await new Promise<ExportResult>((resolve) => exporter.export(batch, resolve));
    assert.equal(result.code, ExportResultCode.SUCCESS);
    const { headers, raw } = received[0] ?? assert.fail('no request');
    assert.equal(headers['content-encoding'], 'gzip');
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['content-length'], String(raw.length));
    const json = gunzipSync(raw).toString('utf8');
    assert.ok(raw.length < Buffer.byteLength(json) / 5, `gzip should shrink repetitive events: ${raw.length} vs ${json.length}`);
    const payload = JSON.parse(json) as { meta: Record<string, string>; events: Array<{ userKey: string }> };
    assert.deepEqual(payload.meta, { hostname: 'h' });
    assert.deepEqual(payload.events.map((e) => e.userKey), batch.map((e) => e.userKey));
    // Over the wire bytes, not the JSON.
    const asBytes = { jsonParse: false };
    // verify() throws on a bad signature; without JSON parsing it returns nothing.
    assert.doesNotThrow(() => new Webhook(OLD_SECRET).verify(raw, standardHeaders(headers), asBytes));
    assert.throws(() => new Webhook(OLD_SECRET).verify(json, standardHeaders(headers), asBytes), /signature/i);
    const github = 'sha256=' + createHmac('sha256', NEW_SECRET).update(raw).digest('hex');
    assert.equal(headers['x-hub-signature-256'], github);
  });
});
