import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { ExportResult } from '@opentelemetry/core';
import sinon from 'sinon';
import { BatchProcessor } from '../../src/batch-processor.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import type { WebhookExporterOptions } from '../../src/webhook/webhook-options.js';
import { captureDiag, type DiagCapture } from './support/diag-capture.js';
import { featureEvent } from './support/events.js';
import { FaultServer, type Fault } from './support/fault-server.js';

const SECRET = 'SECRET-k9Zq-never-log-me';
const BEARER = 'HDRTOKEN-7Yx2-bearer';
const API_KEYS = ['APIKEY-one-4Rt', 'APIKEY-two-8Pl'];
const URL_PASSWORD = 'URLPASS-3Vb';
const URL_TOKEN = 'URLQUERY-6Nm';
const FORBIDDEN = [SECRET, BEARER, ...API_KEYS, URL_PASSWORD, URL_TOKEN];

/** Every way a user or a logger might render a value. */
function renderings(value: unknown): string[] {
  const out = [String(value), inspect(value, { showHidden: true, depth: null, getters: true })];
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch {
    // a cycle: inspect already covered it
  }
  if (value instanceof Error) out.push(value.message, value.stack ?? '', JSON.stringify(Object.getOwnPropertyNames(value).map((name) => String((value as unknown as Record<string, unknown>)[name]))));
  return out;
}

function assertClean(where: string, value: unknown): void {
  for (const text of renderings(value)) {
    for (const forbidden of FORBIDDEN) {
      if (text.includes(forbidden)) assert.fail(`${where} reveals ${forbidden}: ${text.slice(0, 400)}`);
    }
  }
}

function assertDiagClean(capture: DiagCapture, where: string): void {
  for (const line of capture.lines) assertClean(`${where}: diag ${line.level}`, line.text);
}

type Path = { label: string; fault?: Fault; refused?: true };

describe('secrets never leak: not in diag, errors, stats().lastError or thrown objects', function () {
  this.timeout(20_000);

  let server: FaultServer;
  let elsewhere: FaultServer;
  let fault: Fault;
  let capture: DiagCapture;
  let restoreDiag: () => void;
  let randomStub: sinon.SinonStub;

  before(async () => {
    server = await new FaultServer({ decide: () => fault }).start();
    elsewhere = await new FaultServer().start();
    // In-call retry jitter draws from Math.random: keep the retries quick.
    randomStub = sinon.stub(Math, 'random').returns(0.001);
  });

  after(async () => {
    randomStub.restore();
    await server.close();
    await elsewhere.close();
  });

  beforeEach(() => {
    ({ capture, restore: restoreDiag } = captureDiag());
  });

  afterEach(() => restoreDiag());

  function options(overrides: Partial<WebhookExporterOptions> = {}): WebhookExporterOptions {
    const url = new URL(server.url);
    url.search = `?token=${URL_TOKEN}`;
    return {
      endpointUrl: url.toString(),
      secret: SECRET,
      headers: { Authorization: `Bearer ${BEARER}`, 'X-Api-Key': API_KEYS },
      meta: { service: 'checkout' },
      timeout: 100,
      maxRetries: 1,
      ...overrides,
    };
  }

  const echoHeaders: Fault = { kind: 'answer', status: 400, body: 'echo: placeholder' };
  const paths: Path[] = [
    { label: 'connection refused', refused: true },
    { label: 'connection reset', fault: { kind: 'reset-before-body' } },
    { label: 'reset after the body', fault: { kind: 'reset-after-body' } },
    { label: 'timeout (the endpoint hangs)', fault: { kind: 'hang' } },
    { label: '400 whose body echoes the credentials', fault: echoHeaders },
    { label: '401', fault: { kind: 'answer', status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
    { label: '403', fault: { kind: 'answer', status: 403 } },
    { label: '500', fault: { kind: 'answer', status: 500, body: 'boom' } },
    { label: '503 with Retry-After', fault: { kind: 'answer', status: 503, headers: { 'Retry-After': '0' } } },
    { label: '429 with a long Retry-After', fault: { kind: 'answer', status: 429, headers: { 'Retry-After': '3600' } } },
    { label: '413', fault: { kind: 'answer', status: 413 } },
    { label: '302 redirect', fault: { kind: 'answer', status: 302, headers: { Location: '' } } },
    { label: '307 redirect', fault: { kind: 'answer', status: 307, headers: { Location: '' } } },
    { label: '308 redirect', fault: { kind: 'answer', status: 308, headers: { Location: '' } } },
  ];

  async function arrange(path: Path): Promise<void> {
    if (path.refused) return server.down();
    await server.up();
    const chosen = path.fault!;
    if (chosen === echoHeaders) {
      // A hostile endpoint that reflects what it got: the body is discarded, never quoted.
      server.schedule = {
        decide: (request) => ({ kind: 'answer', status: 400, body: JSON.stringify(request.headers) }),
      };
      return;
    }
    if (chosen.kind === 'answer' && chosen.headers?.Location !== undefined) {
      // Redirect to another server, credentials and all, were the client to follow.
      fault = { ...chosen, headers: { Location: `${elsewhere.url}?stolen=1` } };
    } else {
      fault = chosen;
    }
    server.schedule = { decide: () => fault };
  }

  for (const path of paths) {
    it(`${path.label}: the exporter's error and the processor's lastError and diag stay clean`, async () => {
      await arrange(path);
      const requestsBefore = server.requests;

      // The exporter alone: the error its callback gets.
      const exporter = new WebhookExporter(options());
      const result = await new Promise<ExportResult>((resolve) => exporter.export([featureEvent('a'), featureEvent('b')], resolve));
      assert.ok(result.error, 'the export failed');
      assertClean(`${path.label}: exporter error`, result.error);
      assertClean(`${path.label}: export result`, result);
      await exporter.shutdown();

      // Through a processor: stats().lastError and every diag line at VERBOSE.
      const processor = new BatchProcessor(new WebhookExporter(options()), { exportTimeout: 400, maxBatchSize: 10 });
      for (let i = 0; i < 3; i++) processor.add(featureEvent(`p${i}`));
      await processor.forceFlush();
      const stats = processor.stats();
      assertClean(`${path.label}: stats()`, stats);
      if (path.fault?.kind === 'answer' && path.fault.status === 413) assert.equal(stats.dropped.invalid, 3);
      else assert.ok(stats.lastError, 'the failure shows in stats().lastError');
      await processor.shutdown();
      assertDiagClean(capture, path.label);
      assert.ok(capture.lines.length > 0, 'diag saw the failure');

      if (!path.refused) {
        // The credentials were really sent to the configured endpoint (so the test means something)...
        const sent = server.received.slice(requestsBefore);
        assert.ok(sent.length > 0);
        assert.equal(sent[0]!.headers.authorization, `Bearer ${BEARER}`);
        assert.match(String(sent[0]!.headers['x-api-key']), new RegExp(API_KEYS[0]!));
      }
      // ...and never anywhere else: a redirect is not followed.
      assert.equal(elsewhere.requests, 0, 'the redirect target received nothing');
    });
  }

  it('credentials in the endpoint URL (sent as Basic auth) stay out of errors: they name the origin only', async () => {
    await arrange({ label: '500', fault: { kind: 'answer', status: 500 } });
    const url = new URL(server.url);
    url.username = 'hook-user';
    url.password = URL_PASSWORD;
    const { headers: _headers, ...rest } = options({ endpointUrl: url.toString() });
    const before = server.requests;
    const exporter = new WebhookExporter(rest);
    const result = await new Promise<ExportResult>((resolve) => exporter.export([featureEvent('a')], resolve));
    await exporter.shutdown();
    assert.match(String(server.received[before]!.headers.authorization), /^Basic /, 'the URL credentials were sent');
    assert.match(result.error!.message, new RegExp(`POST http://127\\.0\\.0\\.1:\\d+ failed`));
    assertClean('URL credentials: exporter error', result.error);
    assertDiagClean(capture, 'URL credentials');
  });

  it('an export aborted by the processor deadline stays clean too', async () => {
    await arrange({ label: 'hang', fault: { kind: 'hang' } });
    const processor = new BatchProcessor(new WebhookExporter(options({ timeout: 10_000, maxRetries: 3 })), { exportTimeout: 100 });
    processor.add(featureEvent('deadline'));
    await processor.forceFlush();
    assert.equal(processor.stats().lastError?.code, 'ETIMEDOUT');
    assertClean('deadline: stats()', processor.stats());
    await processor.shutdown();
    assertDiagClean(capture, 'deadline');
  });

  describe('bad configuration: constructor errors name the field, never the value', () => {
    const cases: Array<[string, () => WebhookExporterOptions]> = [
      ['a header value with CR/LF', () => options({ headers: { Authorization: `Bearer ${BEARER}\r\nX-Evil: 1` } })],
      ['a header value with a NUL', () => options({ headers: { 'X-Api-Key': [API_KEYS[0]!, `${API_KEYS[1]}\u0000`] } })],
      ['a header value that is not a string', () => options({ headers: { Authorization: { toString: () => BEARER } as unknown as string } })],
      ['a reserved header', () => options({ headers: { 'X-Hub-Signature-256': `sha256=${SECRET}` } })],
      ['an invalid header name', () => options({ headers: { 'Bad Name': BEARER } })],
      ['a secret that is not a string', () => options({ secret: { toString: () => SECRET } as unknown as string })],
      ['a non-http URL with credentials', () => options({ endpointUrl: `ftp://user:${URL_PASSWORD}@example.com/?token=${URL_TOKEN}` })],
      ['a URL that does not parse', () => options({ endpointUrl: `http://user:${URL_PASSWORD}@[bad/?token=${URL_TOKEN}` })],
      ['a meta value that is not a string', () => options({ meta: { token: 42 as unknown as string } })],
      ['a timeout that is not a number', () => options({ timeout: '100' as unknown as number })],
    ];
    for (const [label, make] of cases) {
      it(`${label}: a clean TypeError or RangeError`, () => {
        let thrown: unknown;
        try {
          new WebhookExporter(make());
        } catch (error) {
          thrown = error;
        }
        assert.ok(thrown instanceof TypeError || thrown instanceof RangeError, `${label} throws a TypeError/RangeError`);
        assertClean(label, thrown);
      });
    }
  });
});
