import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { WebhookLogRecordExporter, type ReadableLogRecordLike } from '../../adapters/otel/index.js';
import { startReceiver, type TestReceiver } from './support/receiver.js';
import { createReceiver } from '../../src/receiver.js';
import type { Server } from 'node:http';

const SECRET = 'otel-secret';
const T = 1_700_000_000;

function evaluation(key: string, extra: Record<string, unknown> = {}): ReadableLogRecordLike {
  return {
    hrTime: [T, 0],
    eventName: 'feature_flag.evaluation',
    attributes: { 'feature_flag.key': key, 'feature_flag.result.variant': 'on', 'feature_flag.result.value': true, 'feature_flag.context.id': 'u', ...extra },
  };
}

/** `export` as a promise; also checks the callback came exactly once. */
function exportRecords(exporter: WebhookLogRecordExporter, logs: ReadableLogRecordLike[]): Promise<ExportResult> {
  return new Promise((resolve, reject) => {
    let calls = 0;
    exporter.export(logs, (result) => {
      if (++calls > 1) reject(new Error('callback called twice'));
      else resolve(result);
    });
  });
}

describe('WebhookLogRecordExporter', () => {
  let receiver: TestReceiver;
  let exporter: WebhookLogRecordExporter;

  beforeEach(async () => {
    receiver = await startReceiver(SECRET);
    exporter = new WebhookLogRecordExporter({ endpointUrl: receiver.url, secret: SECRET, meta: { hostname: 'h1' } });
  });

  afterEach(async () => {
    await exporter.shutdown();
    await receiver.close();
  });

  it('is a LogRecordExporter of @opentelemetry/sdk-logs', () => {
    const asOtel: LogRecordExporter = exporter;
    assert.equal(typeof asOtel.forceFlush, 'function');
  });

  it('sends the evaluation records of one export as one signed batch and skips the rest', async () => {
    const result = await exportRecords(exporter, [
      evaluation('a'),
      { hrTime: [T, 0], eventName: 'exception', attributes: { 'exception.message': 'boom' } },
      { hrTime: [T, 0], attributes: { 'event.name': 'feature_flag.evaluation', 'feature_flag.key': 'b' } },
      { hrTime: [T, 0], attributes: {}, eventName: undefined },
    ]);
    assert.deepEqual(result, { code: ExportResultCode.SUCCESS });
    assert.equal(receiver.deliveries.length, 1);
    assert.deepEqual(receiver.deliveries[0]!.payload, {
      meta: { hostname: 'h1' },
      events: [
        { kind: 'feature', contextKind: 'user', userKey: 'u', creationDate: T, key: 'a', variation: 'on', value: true, default: false, version: '', source: 'SERVER' },
        { kind: 'feature', contextKind: 'anonymousUser', userKey: 'undefined-targetingKey', creationDate: T, key: 'b', variation: 'SdkDefault', value: null, default: false, version: '', source: 'SERVER' },
      ],
    });
    assert.deepEqual(exporter.stats(), { converted: 2, ignored: 2, invalid: 0, delivered: 2, failedExports: 0, dropped: 0 });
  });

  it('uses the source option', async () => {
    const proxy = new WebhookLogRecordExporter({ endpointUrl: receiver.url, secret: SECRET, source: 'PROXY' });
    await exportRecords(proxy, [evaluation('a')]);
    await proxy.shutdown();
    assert.equal((receiver.events()[0] as { source: string }).source, 'PROXY');
  });

  it('succeeds without a request when no record is an evaluation', async () => {
    const result = await exportRecords(exporter, [{ hrTime: [T, 0], eventName: 'http.request', attributes: {} }]);
    assert.deepEqual(result, { code: ExportResultCode.SUCCESS });
    assert.deepEqual(await exportRecords(exporter, []), { code: ExportResultCode.SUCCESS });
    assert.equal(receiver.deliveries.length, 0);
    assert.deepEqual(exporter.stats(), { converted: 0, ignored: 1, invalid: 0, delivered: 0, failedExports: 0, dropped: 0 });
  });

  it('never throws on malformed records: it drops them alone and counts them', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const malformed = [
      null,
      undefined,
      { hrTime: [T, 0] },
      { hrTime: 'soon', eventName: 'feature_flag.evaluation', attributes: { 'feature_flag.key': 'no-time' } },
      evaluation(''),
      { hrTime: [T, 0], eventName: 'feature_flag.evaluation', attributes: { 'feature_flag.key': 'k', 'feature_flag.result.value': 10n } },
      { hrTime: [T, 0], eventName: 'feature_flag.evaluation', attributes: { 'feature_flag.key': 'k', 'feature_flag.result.value': cyclic } },
      { hrTime: [T, 0], eventName: 'feature_flag.evaluation', get attributes(): never {
        throw new Error('unreadable');
      } },
    ] as unknown as ReadableLogRecordLike[];
    let result: Promise<ExportResult> | undefined;
    assert.doesNotThrow(() => {
      result = exportRecords(exporter, [...malformed, evaluation('good')]);
    });
    assert.deepEqual(await result, { code: ExportResultCode.SUCCESS });
    // The record without a time still makes an event, timed now.
    assert.deepEqual(
      receiver.events().map((e) => (e as { key: string }).key),
      ['no-time', 'good'],
    );
    assert.deepEqual(exporter.stats(), { converted: 2, ignored: 0, invalid: 7, delivered: 2, failedExports: 0, dropped: 0 });
  });

  it('reports a failing endpoint through the callback, with its status', async () => {
    const server = createServer((_req, res) => res.writeHead(400).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const failing = new WebhookLogRecordExporter({ endpointUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, maxRetries: 0 });
    try {
      const result = await exportRecords(failing, [evaluation('a')]);
      assert.equal(result.code, ExportResultCode.FAILED);
      assert.equal((result.error as { status?: number }).status, 400);
      assert.deepEqual(failing.stats(), { converted: 1, ignored: 0, invalid: 0, delivered: 0, failedExports: 1, dropped: 1 });
    } finally {
      await failing.shutdown();
      server.closeAllConnections();
      server.close();
    }
  });

  it('counts failed exports and dropped events while its endpoint answers 503, behind a real BatchLogRecordProcessor', async () => {
    // A real receiver that answers 503 until it is told to recover.
    let down = true;
    let requests = 0;
    const received: string[] = [];
    const healthy = createReceiver({
      secret: SECRET,
      onBatch: (payload) => void received.push(...payload.events.map((e) => e.key)),
    });
    const server: Server = createServer((req, res) => {
      requests++;
      if (down) res.writeHead(503).end();
      else healthy(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sink = new WebhookLogRecordExporter({ endpointUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, secret: SECRET, maxRetries: 0 });
    const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: sink })] });
    const logger = provider.getLogger('test');
    const emit = (key: string) => logger.emit({ eventName: 'feature_flag.evaluation', attributes: { 'feature_flag.key': key, 'feature_flag.result.variant': 'on', 'feature_flag.result.value': true } });
    try {
      emit('a');
      emit('b');
      emit('c');
      await provider.forceFlush();
      emit('d');
      await provider.forceFlush();
      assert.equal(requests, 2);
      assert.deepEqual(sink.stats(), { converted: 4, ignored: 0, invalid: 0, delivered: 0, failedExports: 2, dropped: 4 });

      down = false;
      emit('e');
      await provider.forceFlush();
      // OTel's processor does not send a failed batch again: a, b, c and d are gone.
      assert.deepEqual(received, ['e']);
      assert.deepEqual(sink.stats(), { converted: 5, ignored: 0, invalid: 0, delivered: 1, failedExports: 2, dropped: 4 });
    } finally {
      await provider.shutdown();
      server.closeAllConnections();
      server.close();
    }
  });

  it('aborts the HTTP request at its exportTimeout, which OTel cannot do (it passes no signal)', async () => {
    let closed!: () => void;
    const socketClosed = new Promise<void>((resolve) => (closed = resolve));
    // Takes the request and never answers, as a stuck endpoint does.
    const server = createServer((req) => req.socket.once('close', () => closed()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const stuck = new WebhookLogRecordExporter({
      endpointUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      timeout: 60_000,
      exportTimeout: 50,
    });
    try {
      const result = await exportRecords(stuck, [evaluation('a')]);
      assert.equal(result.code, ExportResultCode.FAILED);
      assert.equal((result.error as { code?: string }).code, 'ABORT_ERR');
      await socketClosed; // the request was cancelled, not left running
      assert.equal(stuck.stats().failedExports, 1);
      assert.equal(stuck.stats().dropped, 1);
    } finally {
      await stuck.shutdown();
      server.closeAllConnections();
      server.close();
    }
  });

  it('fails at once after shutdown', async () => {
    await exporter.shutdown();
    const results: ExportResult[] = [];
    exporter.export([evaluation('a')], (r) => results.push(r));
    assert.equal(results.length, 1, 'synchronously');
    assert.equal(results[0]!.code, ExportResultCode.FAILED);
    assert.equal(receiver.deliveries.length, 0);
    assert.deepEqual(exporter.stats(), { converted: 1, ignored: 0, invalid: 0, delivered: 0, failedExports: 1, dropped: 1 });
  });

  it('checks its options as WebhookExporter does', () => {
    assert.throws(() => new WebhookLogRecordExporter({ endpointUrl: 'ftp://x' }), { name: 'TypeError', message: /endpointUrl/ });
    assert.throws(() => new WebhookLogRecordExporter({ endpointUrl: receiver.url, source: 3 as unknown as string }), {
      name: 'TypeError',
      message: /source/,
    });
    assert.throws(() => new WebhookLogRecordExporter({ endpointUrl: receiver.url, exportTimeout: 0 }), {
      name: 'RangeError',
      message: /exportTimeout/,
    });
    assert.throws(() => new WebhookLogRecordExporter({ endpointUrl: receiver.url, exportTimeout: '5' as unknown as number }), {
      name: 'TypeError',
      message: /exportTimeout/,
    });
  });
});
