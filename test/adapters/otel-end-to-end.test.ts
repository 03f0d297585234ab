import assert from 'node:assert/strict';
import { EventHook } from '@openfeature/open-telemetry-hooks';
import { OpenFeature } from '@openfeature/server-sdk';
import { logs } from '@opentelemetry/api-logs';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { FeatureEventHook } from '../../adapters/openfeature/index.js';
import { OtelLogsExporter, WebhookLogRecordExporter } from '../../adapters/otel/index.js';
import { BatchProcessor, type FeatureEvent } from '../../src/index.js';
import { FLAGS, MetadataInMemoryProvider, resetOpenFeature } from './support/flags.js';
import { startReceiver, type TestReceiver } from './support/receiver.js';

const SECRET = 'otel-secret';

/** Received events with `creationDate` checked to lie in [start, end] and removed. */
function withoutTimes(events: unknown[], start: number, end: number): Array<Record<string, unknown>> {
  return events.map((e) => {
    const { creationDate, ...rest } = e as Record<string, unknown>;
    assert.ok(Number.isInteger(creationDate) && (creationDate as number) >= start && (creationDate as number) <= end, `creationDate ${String(creationDate)}`);
    return rest;
  });
}

describe('OTel sink end to end: OpenFeature EventHook → LoggerProvider → BatchLogRecordProcessor → WebhookLogRecordExporter → receiver', () => {
  let receiver: TestReceiver;
  let sink: WebhookLogRecordExporter;
  let loggerProvider: LoggerProvider;

  beforeEach(async () => {
    await resetOpenFeature();
    receiver = await startReceiver(SECRET);
    sink = new WebhookLogRecordExporter({ endpointUrl: receiver.url, secret: SECRET, meta: { hostname: 'h1' } });
    loggerProvider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: sink })] });
    logs.setGlobalLoggerProvider(loggerProvider);
    // EventHook takes its logger from the global logs API when it is built.
    OpenFeature.addHooks(new EventHook());
    await OpenFeature.setProviderAndWait(new MetadataInMemoryProvider(FLAGS));
  });

  afterEach(async () => {
    await resetOpenFeature();
    logs.disable();
    await loggerProvider.shutdown();
    await receiver.close();
  });

  it('turns the evaluation events of the real producer into the right FeatureEvents', async () => {
    const start = Math.floor(Date.now() / 1000);
    const client = OpenFeature.getClient();
    await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-1' });
    await client.getObjectValue('limits', {}, { targetingKey: 'user-2' });
    await client.getStringValue('banner-color', 'grey', { country: 'NL' });
    await client.getBooleanValue('no-such-flag', false, { targetingKey: 'user-1' });
    await client.getNumberValue('banner-color', 42, { targetingKey: 'user-2' });
    await client.getBooleanValue('old-feature', false, { targetingKey: 'user-3' });

    await loggerProvider.forceFlush();
    const end = Math.floor(Date.now() / 1000);

    assert.equal(receiver.deliveries.length, 1);
    assert.deepEqual(receiver.deliveries[0]!.payload.meta, { hostname: 'h1' });
    const meta = (reason: string) => ({ provider: 'in-memory', flagSetId: 'shop', reason });
    const failed = (errorCode: string) => ({ provider: 'in-memory', reason: 'ERROR', errorCode });
    assert.deepEqual(withoutTimes(receiver.events(), start, end), [
      // Reasons in OpenFeature's spelling, as FeatureEventHook sends them.
      { kind: 'feature', contextKind: 'user', userKey: 'user-1', key: 'new-checkout', variation: 'on', value: true, default: false, version: '7', source: 'SERVER', metadata: meta('STATIC') },
      { kind: 'feature', contextKind: 'user', userKey: 'user-2', key: 'limits', variation: 'small', value: { max: 5, tiers: ['a', 'b'] }, default: false, version: '7', source: 'SERVER', metadata: meta('STATIC') },
      { kind: 'feature', contextKind: 'anonymousUser', userKey: 'undefined-targetingKey', key: 'banner-color', variation: 'blue', value: '#0000ff', default: false, version: '7', source: 'SERVER', metadata: meta('STATIC') },
      // Errors: EventHook writes error.type and the caller's default value.
      { kind: 'feature', contextKind: 'user', userKey: 'user-1', key: 'no-such-flag', variation: 'SdkDefault', value: false, default: true, version: '', source: 'SERVER', metadata: failed('FLAG_NOT_FOUND') },
      { kind: 'feature', contextKind: 'user', userKey: 'user-2', key: 'banner-color', variation: 'SdkDefault', value: 42, default: true, version: '', source: 'SERVER', metadata: failed('TYPE_MISMATCH') },
      { kind: 'feature', contextKind: 'user', userKey: 'user-3', key: 'old-feature', variation: 'SdkDefault', value: false, default: true, version: '7', source: 'SERVER', metadata: meta('DISABLED') },
    ]);
    // EventHook also logs an `exception` record for each failed evaluation: skipped.
    assert.deepEqual(sink.stats(), { converted: 6, ignored: 2, invalid: 0, delivered: 6, failedExports: 0, dropped: 0 });
  });

  it('gives the same events as FeatureEventHook for the same evaluations, reason case and error codes included', async () => {
    const direct: FeatureEvent[] = [];
    OpenFeature.addHooks(new FeatureEventHook({ add: (e) => direct.push(e) }));
    const client = OpenFeature.getClient();
    await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-1' });
    await client.getBooleanValue('no-such-flag', false, { targetingKey: 'user-1' });
    await client.getNumberValue('banner-color', 42, { targetingKey: 'user-2' });
    await client.getBooleanValue('old-feature', false, { targetingKey: 'user-3' });
    await loggerProvider.forceFlush();

    // What each path knows alike (EventHook has no flag metadata on a failure, so no version there).
    const shared = (e: unknown) => {
      const { kind, contextKind, userKey, key, variation, value, default: isDefault, metadata } = e as FeatureEvent;
      return { kind, contextKind, userKey, key, variation, value, default: isDefault, provider: metadata?.provider, reason: metadata?.reason, errorCode: metadata?.errorCode };
    };
    assert.equal(direct.length, 4);
    assert.deepEqual(receiver.events().map(shared), direct.map(shared));
    assert.deepEqual(
      direct.map((e) => [e.metadata!.reason, e.metadata!.errorCode]),
      [['STATIC', undefined], ['ERROR', 'FLAG_NOT_FOUND'], ['ERROR', 'TYPE_MISMATCH'], ['DISABLED', undefined]],
    );
  });
});

describe('OTel round trip: BatchProcessor → OtelLogsExporter → LoggerProvider → WebhookLogRecordExporter → receiver', () => {
  let receiver: TestReceiver;
  let loggerProvider: LoggerProvider;
  let processor: BatchProcessor;

  beforeEach(async () => {
    receiver = await startReceiver(SECRET);
    const sink = new WebhookLogRecordExporter({ endpointUrl: receiver.url, secret: SECRET });
    loggerProvider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: sink })] });
    processor = new BatchProcessor(new OtelLogsExporter({ loggerProvider }));
  });

  afterEach(async () => {
    await processor.shutdown();
    await loggerProvider.shutdown();
    await receiver.close();
  });

  it('delivers the events equal to what went in', async () => {
    // Events the mapping carries whole: source SERVER, reasons and error codes
    // in OpenFeature's spelling, metadata of provider, flagSetId, reason and
    // errorCode only (see the adapter's docs).
    const events: FeatureEvent[] = [
      { kind: 'feature', contextKind: 'user', userKey: 'user-1', creationDate: 1_600_000_000, key: 'limits', variation: 'small', value: { max: 5, tiers: ['a', 'b'], nested: { z: null, a: true } }, default: false, version: '7', source: 'SERVER', metadata: { flagSetId: 'shop', provider: 'flagd', reason: 'TARGETING_MATCH' } },
      { kind: 'feature', contextKind: 'user', userKey: 'user-2', creationDate: 1_700_000_000, key: 'list', variation: 'v2', value: [1, 'two', [3]], default: false, version: '', source: 'SERVER', metadata: { provider: 'flagd', reason: 'SPLIT' } },
      { kind: 'feature', contextKind: 'anonymousUser', userKey: 'undefined-targetingKey', creationDate: 1_700_000_001, key: 'banner', variation: 'blue', value: '#0000ff', default: false, version: '', source: 'SERVER', metadata: { provider: 'flagd', reason: 'STATIC' } },
      { kind: 'feature', contextKind: 'user', userKey: 'user-3', creationDate: 1_700_000_002, key: 'ratio', variation: 'half', value: 0.5, default: false, version: '2024-01-01', source: 'SERVER' },
      { kind: 'feature', contextKind: 'user', userKey: 'user-4', creationDate: 1_700_000_003, key: 'gone', variation: 'SdkDefault', value: false, default: true, version: '', source: 'SERVER', metadata: { provider: 'flagd', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' } },
      { kind: 'feature', contextKind: 'user', userKey: 'user-5', creationDate: 1_700_000_004, key: 'off', variation: 'SdkDefault', value: 'fallback', default: true, version: '3', source: 'SERVER', metadata: { provider: 'flagd', reason: 'DISABLED' } },
      { kind: 'feature', contextKind: 'user', userKey: 'user-6', creationDate: 1_700_000_005, key: 'nullable', variation: 'none', value: null, default: false, version: '', source: 'SERVER', metadata: { reason: 'DEFAULT' } },
    ];
    for (const event of events) processor.add(structuredClone(event));
    // One await: the processor's flush flushes the logger provider too.
    await processor.forceFlush();
    assert.equal(receiver.deliveries.length, 1);
    assert.deepEqual(receiver.events(), events);
    assert.equal(processor.stats().delivered, events.length);
  });
});

describe('OpenFeature → FeatureEventHook → OtelLogsExporter → WebhookLogRecordExporter', () => {
  before(resetOpenFeature);
  after(resetOpenFeature);

  it('gives the same events as the direct path, reasons and error codes included, but for other metadata', async () => {
    const receiver = await startReceiver();
    const sink = new WebhookLogRecordExporter({ endpointUrl: receiver.url });
    const loggerProvider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: sink })] });
    const viaOtel = new BatchProcessor(new OtelLogsExporter({ loggerProvider }));
    const direct: FeatureEvent[] = [];
    OpenFeature.addHooks(new FeatureEventHook(viaOtel), new FeatureEventHook({ add: (e) => direct.push(e) }, { metadata: { env: 'x' } }));
    await OpenFeature.setProviderAndWait(new MetadataInMemoryProvider(FLAGS));
    try {
      const client = OpenFeature.getClient();
      await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-1' });
      await client.getObjectValue('limits', {}, { targetingKey: 'user-2' });
      await client.getBooleanValue('no-such-flag', false, { targetingKey: 'user-1' });
      await client.getNumberValue('banner-color', 42, { targetingKey: 'user-2' });
      await client.getBooleanValue('old-feature', false, { targetingKey: 'user-3' });
      await viaOtel.forceFlush();
      assert.deepEqual(
        direct.map((e) => [e.metadata!.reason, e.metadata!.errorCode]),
        [['STATIC', undefined], ['STATIC', undefined], ['ERROR', 'FLAG_NOT_FOUND'], ['ERROR', 'TYPE_MISMATCH'], ['DISABLED', undefined]],
      );
      // All but the `env` entry, which has no attribute.
      const expected = direct.map(({ metadata: { env: _env, ...metadata } = {}, ...e }) => ({ ...e, version: e.version ?? '', metadata }));
      assert.deepEqual(receiver.events(), expected);
    } finally {
      await viaOtel.shutdown();
      await loggerProvider.shutdown();
      await receiver.close();
    }
  });
});
