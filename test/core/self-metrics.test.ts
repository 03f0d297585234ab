import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { metrics } from '@opentelemetry/api';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import { BatchProcessor } from '../../src/batch-processor.js';
import { SELF_METRIC_NAMES as N, SelfMetrics, exportErrorType, type SelfMetricsStats } from '../../src/self-metrics.js';
import { MetricsHarness } from '../support/metrics.js';
import { FakeExporter, OK, failure, feature } from './support/helpers.js';

describe('self-metrics through the real @opentelemetry/sdk-metrics (SPEC §11)', () => {
  let harness: MetricsHarness;
  beforeEach(() => {
    harness = new MetricsHarness();
  });
  afterEach(async () => {
    metrics.disable();
    await harness.shutdown();
  });

  it('observes one stats() snapshot per collection: every count equals the source, dropped by reason', async () => {
    const stats: SelfMetricsStats = {
      accepted: 1_000,
      delivered: 700,
      pending: 150,
      inFlight: 100,
      dropped: { overflow: 30, invalid: 15, shutdown: 5 },
      failedExports: 3,
    };
    let reads = 0;
    const self = new SelfMetrics(() => (reads++, stats), 4_000, { meterProvider: harness.meterProvider, componentName: 'p/1' });
    const got = await harness.collect();
    assert.equal(reads, 1, 'one snapshot for all instruments');
    assert.deepEqual(MetricsHarness.values(got.get(N.accepted)), { '': 1_000 });
    assert.deepEqual(MetricsHarness.values(got.get(N.delivered)), { '': 700 });
    assert.deepEqual(MetricsHarness.values(got.get(N.dropped), 'error.type'), { overflow: 30, invalid: 15, shutdown: 5 });
    assert.deepEqual(MetricsHarness.values(got.get(N.inFlight)), { '': 100 });
    assert.deepEqual(MetricsHarness.values(got.get(N.failedExports)), { '': 3 });
    assert.deepEqual(MetricsHarness.values(got.get(N.queueSize)), { '': 150 });
    assert.deepEqual(MetricsHarness.values(got.get(N.queueCapacity)), { '': 4_000 });
    const point = got.get(N.accepted)?.dataPoints[0];
    assert.deepEqual(point?.attributes, { 'otel.component.type': 'ff_webhook_batch_processor', 'otel.component.name': 'p/1' });
    assert.equal(got.get(N.accepted)?.descriptor.unit, '{event}');

    stats.accepted = 1_200;
    stats.delivered = 900;
    assert.deepEqual(MetricsHarness.values((await harness.collect()).get(N.delivered)), { '': 900 });
    self.dispose();
    stats.accepted = 5_000;
    const after = MetricsHarness.values((await harness.collect()).get(N.accepted));
    assert.deepEqual(after, { '': 1_200 }, 'no longer observed after dispose: the SDK keeps the last value');
  });

  it("is named after OpenTelemetry's SDK self-observability conventions where one fits, each name listed in the README", async () => {
    assert.equal(N.queueSize, 'otel.sdk.processor.log.queue.size');
    assert.equal(N.queueCapacity, 'otel.sdk.processor.log.queue.capacity');
    assert.equal(N.inFlight, 'otel.sdk.exporter.log.inflight');
    assert.equal(N.exportDuration, 'otel.sdk.exporter.operation.duration');
    const self = new SelfMetrics(() => ({ accepted: 1, delivered: 0, pending: 1, inFlight: 0, dropped: { overflow: 0 }, failedExports: 0 }), 8, {
      meterProvider: harness.meterProvider,
    });
    self.recordExport(1);
    const got = await harness.collect();
    assert.deepEqual([...got.keys()].sort(), Object.values(N).sort(), 'every instrument is read back under its name');
    for (const name of [N.queueSize, N.queueCapacity, N.inFlight]) assert.equal(got.get(name)?.descriptor.unit, '{log_record}', name);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of Object.values(N)) assert.ok(readme.includes(`| \`${name}\` |`), `README lists ${name}`);
    self.dispose();
  });

  it('records the export duration histogram in seconds, with error.type and the status on failure', async () => {
    const self = new SelfMetrics(() => ({ accepted: 0, delivered: 0, pending: 0, inFlight: 0, dropped: {}, failedExports: 0 }), 1, {
      meterProvider: harness.meterProvider,
    });
    self.recordExport(250);
    self.recordExport(1_500, exportErrorType(Object.assign(new Error('HTTP 503'), { status: 503 })));
    self.recordExport(40, exportErrorType(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })));
    const metric = (await harness.collect()).get(N.exportDuration) ?? assert.fail('no histogram');
    assert.equal(metric.dataPointType, DataPointType.HISTOGRAM);
    assert.equal(metric.descriptor.unit, 's');
    const byError = new Map(metric.dataPoints.map((p) => [String(p.attributes['error.type'] ?? ''), p]));
    const ok = byError.get('') ?? assert.fail('no success point');
    assert.deepEqual([(ok.value as { count: number }).count, (ok.value as { sum: number }).sum], [1, 0.25]);
    assert.equal(byError.get('503')?.attributes['http.response.status_code'], 503);
    assert.equal((byError.get('503')?.value as { sum: number }).sum, 1.5);
    assert.equal(byError.get('ECONNREFUSED')?.attributes['http.response.status_code'], undefined);
    self.dispose();
  });

  it('uses the global MeterProvider when none is passed (a no-op until one is set)', async () => {
    const unset = new SelfMetrics(() => ({ accepted: 1, delivered: 1, pending: 0, inFlight: 0, dropped: {}, failedExports: 0 }), 1);
    metrics.setGlobalMeterProvider(harness.meterProvider);
    const global = new SelfMetrics(() => ({ accepted: 2, delivered: 2, pending: 0, inFlight: 0, dropped: {}, failedExports: 0 }), 1, {
      componentName: 'global',
    });
    const got = await harness.collect();
    assert.deepEqual(MetricsHarness.values(got.get(N.accepted), 'otel.component.name'), { global: 2 });
    unset.dispose();
    global.dispose();
  });

  it("a real BatchProcessor's stats(): the totals read back equal stats() exactly, rule 6 included", async () => {
    const exporter = new FakeExporter();
    const processor = new BatchProcessor(exporter, { maxEventInMemory: 10, maxBufferedEvents: 20, maxBatchSize: 10, exportTimeout: 200 });
    const self = new SelfMetrics(() => processor.stats(), 20, { meterProvider: harness.meterProvider });
    for (let i = 0; i < 10; i++) processor.add(feature(i));
    await exporter.whenCalls(1);
    exporter.last.respond(OK);
    for (let i = 10; i < 20; i++) processor.add(feature(i));
    await exporter.whenCalls(2);
    exporter.last.respond(failure({ status: 503 }));
    // The endpoint is down: past maxBufferedEvents the oldest are dropped; one batch stays in flight.
    for (let i = 20; i < 60; i++) processor.add(feature(i));
    const got = await harness.collect();
    const s = processor.stats();
    assert.deepEqual(MetricsHarness.values(got.get(N.accepted)), { '': s.accepted });
    assert.deepEqual(MetricsHarness.values(got.get(N.delivered)), { '': s.delivered });
    assert.deepEqual(MetricsHarness.values(got.get(N.dropped), 'error.type'), { ...s.dropped });
    assert.deepEqual(MetricsHarness.values(got.get(N.inFlight)), { '': s.inFlight });
    assert.deepEqual(MetricsHarness.values(got.get(N.queueSize)), { '': s.pending });
    assert.deepEqual(MetricsHarness.values(got.get(N.failedExports)), { '': s.failedExports });
    const dropped = Object.values(MetricsHarness.values(got.get(N.dropped), 'error.type')).reduce((a, b) => a + b, 0);
    const sum = (name: string): number => MetricsHarness.values(got.get(name))[''] ?? Number.NaN;
    assert.equal(sum(N.accepted), sum(N.delivered) + sum(N.queueSize) + sum(N.inFlight) + dropped);
    assert.ok(s.delivered === 10 && s.dropped.overflow > 0 && s.failedExports === 1, JSON.stringify(s));
    self.dispose();
    await processor.shutdown();
  });
});
