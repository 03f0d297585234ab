import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { diag } from '@opentelemetry/api';
import { BatchProcessor } from '../../src/batch-processor.js';
import type { ExportableEvent, FeatureEvent } from '../../src/events.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import { DiagCapture, FakeExporter, OK, assertAccounting, failure, feature, features, readBody, startServer, type TestServer } from './support/helpers.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

interface Received {
  id: string | undefined;
  events: ExportableEvent[];
  body: Buffer;
}

/** A receiver that answers 503 to the first `failFirst` requests, then 204. */
async function receiver(failFirst: number, maxBody = Infinity): Promise<{ server: TestServer; got: Received[]; tried: Received[] }> {
  const got: Received[] = [];
  const tried: Received[] = [];
  const server = await startServer(async (req, res) => {
    const body = await readBody(req);
    const seen = { id: req.headers['webhook-id'] as string | undefined, events: (JSON.parse(body.toString()) as { events: ExportableEvent[] }).events, body };
    tried.push(seen);
    if (tried.length <= failFirst) return void res.writeHead(503).end();
    if (body.length > maxBody) return void res.writeHead(413).end();
    got.push(seen);
    res.writeHead(204).end();
  });
  return { server, got, tried };
}

interface CoreModule {
  BatchProcessor: typeof BatchProcessor;
  WebhookExporter: typeof WebhookExporter;
}

describe('a batch is a value with its own identity (issue 9)', () => {
  describe('ESM and CJS builds in one process', () => {
    let esm: CoreModule;
    let cjs: CoreModule;
    before(async function () {
      this.timeout(120_000);
      if (!existsSync(`${repo}dist/cjs/src/index.js`) || !existsSync(`${repo}dist/esm/src/index.js`)) {
        execFileSync('npm', ['run', 'build', '--silent'], { cwd: repo, stdio: 'inherit' });
      }
      esm = (await import(pathToFileURL(`${repo}dist/esm/src/index.js`).href)) as CoreModule;
      cjs = createRequire(import.meta.url)(`${repo}dist/cjs/src/index.js`) as CoreModule;
      assert.notEqual(esm.BatchProcessor, cjs.BatchProcessor, 'two copies of the code');
    });

    for (const [name, processorFrom, exporterFrom] of [
      ['processor from ESM, exporter from CJS', () => esm, () => cjs],
      ['processor from CJS, exporter from ESM', () => cjs, () => esm],
    ] as const) {
      it(`${name}: the retry of a failed batch carries the same webhook-id and the same bytes`, async () => {
        const { server, got, tried } = await receiver(1);
        try {
          const exporter = new (exporterFrom().WebhookExporter)({ endpointUrl: server.url, maxRetries: 0, secret: 's' });
          const processor = new (processorFrom().BatchProcessor)(exporter, { flushInterval: 3_600_000, maxEventInMemory: 100 });
          for (const event of features(1, 3)) processor.add(event);
          await processor.forceFlush(); // 503
          await processor.forceFlush(); // the same batch again
          await processor.shutdown();
          assert.equal(tried.length, 2);
          assert.ok(tried[0]!.id !== undefined && tried[0]!.id.length > 0);
          assert.equal(tried[1]!.id, tried[0]!.id);
          assert.deepEqual(tried[1]!.body, tried[0]!.body);
          assert.deepEqual(got.map((r) => r.events.length), [3]);
        } finally {
          await server.close();
        }
      });
    }
  });

  it('the id reaches a user exporter through export\'s third argument, the same on every attempt', async () => {
    let attempts = 0;
    const exporter = new FakeExporter(() => (++attempts === 1 ? failure() : OK));
    const processor = new BatchProcessor(exporter, { flushInterval: 3_600_000, maxEventInMemory: 100 });
    processor.add(feature(1));
    await processor.forceFlush();
    await processor.forceFlush();
    const ids = exporter.calls.map((c) => c.options?.batchId);
    assert.equal(ids.length, 2);
    assert.match(ids[0]!, /^[0-9a-f-]{36}$/);
    assert.equal(ids[1], ids[0]);
    await processor.shutdown();
  });

  it('events are captured when their batch is formed: a retry sends the same bytes, and delivered counts what was in the body', async () => {
    const { server, got, tried } = await receiver(1);
    try {
      const exporter = new WebhookExporter({ endpointUrl: server.url, maxRetries: 0 });
      const processor = new BatchProcessor(exporter, { flushInterval: 3_600_000, maxEventInMemory: 100 });
      const events: FeatureEvent[] = features(1, 3);
      for (const event of events) processor.add(event);
      await processor.forceFlush(); // formed, encoded, refused
      (events[1] as unknown as Record<string, unknown>).value = 10n; // changed after its batch was formed
      events[2]!.variation = 'changed';
      await processor.forceFlush();
      assert.deepEqual(tried[1]!.body, tried[0]!.body);
      assert.equal(got[0]!.events.length, 3);
      assert.equal(processor.stats().delivered, 3);
      assert.equal(processor.stats().dropped.invalid, 0);
      await processor.shutdown();
    } finally {
      await server.close();
    }
  });

  describe('maxBatchBytes (SPEC §11)', () => {
    it('a receiver with a 1 MiB limit receives every event of a 100,000-event flush: batches are cut before the limit', async function () {
      this.timeout(60_000);
      const { server, got, tried } = await receiver(0, 1024 * 1024);
      try {
        const exporter = new WebhookExporter({ endpointUrl: server.url });
        const processor = new BatchProcessor(exporter, { maxEventInMemory: 100_000, maxBatchBytes: 1024 * 1024 - 1024 });
        for (let i = 0; i < 100_000; i++) processor.add(feature(i, { metadata: { pad: 'x'.repeat(100) } }));
        await processor.forceFlush();
        assert.equal(tried.length, got.length, 'no request was refused');
        assert.ok(got.length > 10, `${got.length} batches`);
        assert.ok(got.every((r) => r.body.length <= 1024 * 1024));
        assert.equal(got.reduce((n, r) => n + r.events.length, 0), 100_000);
        assert.deepEqual(got.flatMap((r) => r.events.map((e) => e.userKey)).slice(0, 3), ['u0', 'u1', 'u2']);
        assert.equal(processor.stats().delivered, 100_000);
        assertAccounting(processor);
        await processor.shutdown();
      } finally {
        await server.close();
      }
    });

    it('a single event over maxBatchBytes (5 MiB against the 4 MiB default) is dropped alone and counted invalid', async () => {
      const exporter = new FakeExporter(() => OK);
      const processor = new BatchProcessor(exporter, { maxEventInMemory: 10 });
      processor.add(feature(1));
      processor.add(feature(2, { value: 'x'.repeat(5 * 1024 * 1024) }));
      processor.add(feature(3));
      await processor.forceFlush();
      assert.deepEqual(exporter.batches(), [['u1', 'u3']]);
      assert.equal(processor.stats().dropped.invalid, 1);
      assertAccounting(processor);
      await processor.shutdown();
    });

    it('is validated at construction, naming the option', () => {
      assert.throws(() => new BatchProcessor(new FakeExporter(() => OK), { maxBatchBytes: 0 }), { name: 'RangeError', message: /maxBatchBytes/ });
    });
  });

  it('a large batch is formed in slices: the host gets turns of the event loop before it is exported', async () => {
    let turns = 0;
    let turnsBeforeExport = -1;
    const exporter = new FakeExporter(() => {
      turnsBeforeExport = turns;
      return OK;
    });
    const processor = new BatchProcessor(exporter, { maxEventInMemory: 300_000, flushInterval: 3_600_000 });
    for (let i = 0; i < 300_000; i++) processor.add(feature(i));
    let running = true;
    const tick = (): void => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    await processor.forceFlush();
    running = false;
    assert.ok(turnsBeforeExport > 1, `the host had ${turnsBeforeExport} turns while 300,000 events were encoded`);
    assert.equal(processor.stats().delivered, 300_000);
    await processor.shutdown();
  });

  describe('configuration errors name what the user wrote', () => {
    it('new BatchProcessor() or new BatchProcessor({ endpointUrl }) is a TypeError that shows the right call', () => {
      const Ctor = BatchProcessor as unknown as new (...args: unknown[]) => BatchProcessor;
      assert.throws(() => new Ctor(), { name: 'TypeError', message: /needs an exporter/ });
      assert.throws(() => new Ctor({ endpointUrl: 'http://127.0.0.1/' }), { name: 'TypeError', message: /new WebhookExporter\(\{ endpointUrl \}\)/ });
    });

    it('maxBufferedEvents below maxEventInMemory names those two options, not maxBatchSize', () => {
      assert.throws(() => new BatchProcessor(new FakeExporter(() => OK), { maxEventInMemory: 10, maxBufferedEvents: 5 }), (error: Error) => {
        assert.equal(error.name, 'RangeError');
        assert.match(error.message, /maxEventInMemory \(10\) must not exceed maxBufferedEvents \(5\)/);
        assert.doesNotMatch(error.message, /maxBatchSize/);
        return true;
      });
    });

    it('an unknown option is a TypeError naming it (a typo is never silently ignored)', () => {
      const options = { flushIntervall: 5 } as unknown as ConstructorParameters<typeof BatchProcessor>[1];
      assert.throws(() => new BatchProcessor(new FakeExporter(() => OK), options), { name: 'TypeError', message: /no option flushIntervall/ });
    });
  });

  describe('a failing endpoint is heard without configuring diag (issue 10)', () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    beforeEach(() => {
      diag.disable();
      warnings.length = 0;
      process.on('warning', onWarning);
    });
    afterEach(() => {
      process.off('warning', onWarning);
    });
    const ours = (): Error[] => warnings.filter((w) => w.name === 'FFWebhookExporterWarning');
    const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

    it('one process warning per outage, and one for events dropped at shutdown', async () => {
      let ok = false;
      const processor = new BatchProcessor(new FakeExporter(() => (ok ? OK : failure({ status: 503 }, 'POST http://x failed: HTTP 503'))), {
        flushInterval: 3_600_000,
      });
      processor.add(feature(1));
      await processor.forceFlush();
      await processor.forceFlush();
      await nextTick();
      assert.equal(ours().length, 1, 'the second failure of the same outage is not repeated');
      assert.match(ours()[0]!.message, /export failed.*HTTP 503/);
      ok = true;
      await processor.forceFlush();
      ok = false;
      processor.add(feature(2));
      await processor.forceFlush();
      await nextTick();
      assert.equal(ours().length, 2, 'a new outage warns again');
      await processor.shutdown();
      await nextTick();
      assert.equal(ours().length, 3, 'the shutdown attempt is the same outage; its loss is heard');
      assert.match(ours()[2]!.message, /shutdown dropped 1 undelivered event/);
    });

    it('stays silent when the application has set a diag logger (it hears there)', async () => {
      const capture = new DiagCapture();
      try {
        const processor = new BatchProcessor(new FakeExporter(() => failure()), { flushInterval: 3_600_000 });
        processor.add(feature(1));
        await processor.shutdown();
        await nextTick();
        assert.equal(ours().length, 0);
        assert.equal(capture.count(/shutdown dropped 1 undelivered/), 1);
      } finally {
        capture.dispose();
      }
    });
  });
});
