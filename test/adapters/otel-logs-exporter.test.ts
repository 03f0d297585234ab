import assert from 'node:assert/strict';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchLogRecordProcessor, InMemoryLogRecordExporter, LoggerProvider, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { OtelLogsExporter, OTEL_LOGGER_NAME } from '../../adapters/otel/index.js';
import { BatchProcessor, VERSION, type ExportableEvent, type FeatureEvent, type TrackingEvent } from '../../src/index.js';

/** `export` with its callback turned into a value, once the provider took the records; checks it came exactly once. */
async function exportNow(exporter: OtelLogsExporter, batch: ExportableEvent[]): Promise<ExportResult> {
  const results: ExportResult[] = [];
  await new Promise<void>((resolve) =>
    exporter.export(batch, (result) => {
      results.push(result);
      resolve();
    }),
  );
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(results.length, 1, 'the callback came once');
  return results[0]!;
}

const USER_EVENT: FeatureEvent = {
  kind: 'feature',
  contextKind: 'user',
  userKey: 'user-1',
  creationDate: 1_700_000_000,
  key: 'limits',
  variation: 'small',
  value: { max: 5, tiers: ['a', 'b'] },
  default: false,
  version: '7',
  source: 'SERVER',
  metadata: { env: 'test', provider: 'in-memory', flagSetId: 'shop', reason: 'TARGETING_MATCH' },
};
const ANONYMOUS_EVENT: FeatureEvent = {
  kind: 'feature',
  contextKind: 'anonymousUser',
  userKey: 'visitor-9',
  creationDate: 1_700_000_001,
  key: 'banner-color',
  variation: 'blue',
  value: '#0000ff',
  default: false,
  metadata: { provider: 'in-memory', reason: 'STATIC' },
};
const FAILED_EVENT: FeatureEvent = {
  kind: 'feature',
  contextKind: 'user',
  userKey: 'user-2',
  creationDate: 1_700_000_002,
  key: 'no-such-flag',
  variation: 'SdkDefault',
  value: 3.5,
  default: true,
  metadata: { provider: 'in-memory', reason: 'ERROR', errorCode: 'TYPE_MISMATCH' },
};
const DISABLED_EVENT: FeatureEvent = {
  kind: 'feature',
  contextKind: 'user',
  userKey: 'user-3',
  creationDate: 1_700_000_004,
  key: 'old-feature',
  variation: 'SdkDefault',
  value: false,
  default: true,
  version: '7',
  metadata: { provider: 'in-memory', reason: 'DISABLED' },
};
const TRACKING_EVENT: TrackingEvent = {
  kind: 'tracking',
  contextKind: 'user',
  userKey: 'user-1',
  creationDate: 1_700_000_003,
  key: 'checkout-done',
  evaluationContext: { targetingKey: 'user-1' },
  trackingEventDetails: { value: 99 },
};

describe('OtelLogsExporter into a real LoggerProvider (in-memory log exporter)', () => {
  let memory: InMemoryLogRecordExporter;
  let provider: LoggerProvider;
  let exporter: OtelLogsExporter;

  beforeEach(() => {
    memory = new InMemoryLogRecordExporter();
    provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: memory })] });
    exporter = new OtelLogsExporter({ loggerProvider: provider });
  });

  afterEach(() => provider.shutdown());

  async function records(): Promise<ReadableLogRecord[]> {
    await provider.forceFlush();
    return memory.getFinishedLogRecords();
  }

  it('emits every attribute of a user evaluation, with its time and scope', async () => {
    assert.deepEqual(await exportNow(exporter, [USER_EVENT]), { code: ExportResultCode.SUCCESS });
    const [record, ...rest] = await records();
    assert.equal(rest.length, 0);
    assert.equal(record!.eventName, 'feature_flag.evaluation');
    assert.deepEqual(record!.attributes, {
      'event.name': 'feature_flag.evaluation',
      'feature_flag.key': 'limits',
      'feature_flag.result.variant': 'small',
      'feature_flag.result.value': '{"max":5,"tiers":["a","b"]}',
      'feature_flag.context.id': 'user-1',
      'feature_flag.version': '7',
      'feature_flag.provider.name': 'in-memory',
      'feature_flag.set.id': 'shop',
      'feature_flag.result.reason': 'targeting_match',
    });
    assert.deepEqual(record!.hrTime, [1_700_000_000, 0]);
    assert.equal(record!.body, undefined);
    assert.equal(record!.severityNumber, undefined);
    assert.equal(record!.instrumentationScope.name, OTEL_LOGGER_NAME);
    assert.equal(record!.instrumentationScope.version, VERSION);
  });

  it('leaves out the context id of an anonymous user', async () => {
    await exportNow(exporter, [ANONYMOUS_EVENT]);
    const [record] = await records();
    assert.deepEqual(record!.attributes, {
      'event.name': 'feature_flag.evaluation',
      'feature_flag.key': 'banner-color',
      'feature_flag.result.variant': 'blue',
      'feature_flag.result.value': '#0000ff',
      'feature_flag.provider.name': 'in-memory',
      'feature_flag.result.reason': 'static',
    });
    assert.deepEqual(record!.hrTime, [1_700_000_001, 0]);
  });

  it("writes a failed evaluation as its own error.type and reason 'error', with no variant", async () => {
    await exportNow(exporter, [FAILED_EVENT]);
    const [record] = await records();
    assert.deepEqual(record!.attributes, {
      'event.name': 'feature_flag.evaluation',
      'feature_flag.key': 'no-such-flag',
      'feature_flag.result.value': 3.5,
      'feature_flag.context.id': 'user-2',
      'feature_flag.provider.name': 'in-memory',
      'error.type': 'type_mismatch',
      'feature_flag.result.reason': 'error',
    });
  });

  it("writes a disabled flag as reason 'disabled', not as an error", async () => {
    await exportNow(exporter, [DISABLED_EVENT]);
    const [record] = await records();
    assert.deepEqual(record!.attributes, {
      'event.name': 'feature_flag.evaluation',
      'feature_flag.key': 'old-feature',
      'feature_flag.result.value': false,
      'feature_flag.context.id': 'user-3',
      'feature_flag.version': '7',
      'feature_flag.provider.name': 'in-memory',
      'feature_flag.result.reason': 'disabled',
    });
  });

  it("maps each OpenFeature error code to its error.type, and anything else to 'general'", async () => {
    const codes = ['PROVIDER_NOT_READY', 'PROVIDER_FATAL', 'FLAG_NOT_FOUND', 'PARSE_ERROR', 'TYPE_MISMATCH', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'GENERAL'];
    const others: unknown[] = ['flag_not_found', 'MALFORMED_FLAG', '', 42, undefined];
    const failed = (errorCode: unknown): FeatureEvent => ({ ...FAILED_EVENT, metadata: { reason: 'ERROR', ...(errorCode === undefined ? {} : { errorCode }) } });
    await exportNow(exporter, [...codes, ...others].map(failed));
    // A default without a reason, or with another one, is a failure too.
    await exportNow(exporter, [{ ...FAILED_EVENT, metadata: undefined }, { ...FAILED_EVENT, metadata: { reason: 'STATIC' } }]);
    const written = (await records()).map((r) => [r.attributes['error.type'], r.attributes['feature_flag.result.reason']]);
    assert.deepEqual(written, [
      ...codes.map((code) => [code.toLowerCase(), 'error']),
      ['flag_not_found', 'error'],
      ...['MALFORMED_FLAG', '', 42, undefined, 'none', 'STATIC'].map(() => ['general', 'error']),
    ]);
  });

  it('leaves a null value out and keeps false and 0', async () => {
    const base = { ...ANONYMOUS_EVENT, metadata: undefined };
    await exportNow(exporter, [
      { ...base, value: null },
      { ...base, value: false },
      { ...base, value: 0 },
      { ...base, value: [] },
    ]);
    const values = (await records()).map((r) => r.attributes['feature_flag.result.value']);
    assert.deepEqual(values, [undefined, false, 0, '[]']);
  });

  it('keeps the order of the batch', async () => {
    await exportNow(exporter, [FAILED_EVENT, USER_EVENT, ANONYMOUS_EVENT]);
    assert.deepEqual(
      (await records()).map((r) => r.attributes['feature_flag.key']),
      ['no-such-flag', 'limits', 'banner-color'],
    );
  });

  it('skips tracking events and invalid events, counts them, and still succeeds', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const result = await exportNow(exporter, [
      TRACKING_EVENT,
      USER_EVENT,
      { ...USER_EVENT, value: cyclic },
      { ...USER_EVENT, value: 10n },
      { ...USER_EVENT, key: undefined } as unknown as FeatureEvent,
      null as unknown as FeatureEvent,
    ]);
    assert.deepEqual(result, { code: ExportResultCode.SUCCESS });
    assert.equal((await records()).length, 1);
    assert.deepEqual(exporter.stats(), { emitted: 1, ignored: 1, invalid: 4 });
  });

  it('counts an event the logger throws on as invalid, never throwing itself', async () => {
    const throwing = new OtelLogsExporter({
      loggerProvider: {
        getLogger: () => ({
          emit() {
            throw new Error('logger broke');
          },
        }),
      },
    });
    assert.deepEqual(await exportNow(throwing, [USER_EVENT, ANONYMOUS_EVENT]), { code: ExportResultCode.SUCCESS });
    assert.deepEqual(throwing.stats(), { emitted: 0, ignored: 0, invalid: 2 });
  });

  it('fails at once after shutdown, and shutdown flushes the provider but leaves it up', async () => {
    await exportNow(exporter, [USER_EVENT]);
    await exporter.shutdown();
    assert.equal(memory.getFinishedLogRecords().length, 1, 'shutdown flushed the provider');
    const result = await exportNow(exporter, [ANONYMOUS_EVENT]);
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.match(result.error!.message, /shut down/);
    await exporter.shutdown(); // idempotent
    // The provider still serves its other users.
    provider.getLogger('other').emit({ body: 'still up' });
    assert.equal((await records()).length, 2);
  });

  it('rejects a missing or wrong loggerProvider with a TypeError', () => {
    assert.throws(() => new OtelLogsExporter({} as never), { name: 'TypeError', message: /loggerProvider/ });
    assert.throws(() => new OtelLogsExporter({ loggerProvider: {} } as never), { name: 'TypeError', message: /getLogger/ });
  });

  it('works behind a BatchProcessor: its forceFlush reaches the log exporter', async () => {
    const processor = new BatchProcessor(exporter);
    processor.add(USER_EVENT);
    processor.add(TRACKING_EVENT);
    processor.add(FAILED_EVENT);
    await processor.forceFlush();
    // No provider.forceFlush() here: the processor's flush went through.
    assert.deepEqual(
      memory.getFinishedLogRecords().map((r) => r.attributes['feature_flag.key']),
      ['limits', 'no-such-flag'],
    );
    assert.equal(processor.stats().delivered, 3);
    assert.deepEqual(exporter.stats(), { emitted: 2, ignored: 1, invalid: 0 });
    await processor.shutdown();
  });

  it("loses nothing into an OTel BatchLogRecordProcessor at its defaults (queue 2,048): 10,000 events, 10,000 records", async () => {
    const sink = new InMemoryLogRecordExporter();
    const defaults = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: sink })] });
    const exporter = new OtelLogsExporter({ loggerProvider: defaults });
    const processor = new BatchProcessor(exporter); // GO Feature Flag's defaults: one batch of 10,000
    for (let i = 0; i < 10_000; i++) processor.add({ ...USER_EVENT, userKey: `user-${i}` });
    await processor.forceFlush();
    const records = sink.getFinishedLogRecords();
    assert.equal(records.length, 10_000, 'every record reached the OTel exporter');
    assert.equal(new Set(records.map((r) => r.attributes['feature_flag.context.id'])).size, 10_000);
    assert.equal(processor.stats().delivered, 10_000);
    assert.equal(exporter.stats().emitted, 10_000);
    await processor.shutdown();
    await defaults.shutdown();
  });

  it('rejects a chunkSize that is not a positive integer, naming it', () => {
    assert.throws(
      () => new OtelLogsExporter({ loggerProvider: provider, chunkSize: 0 }),
      /options\.chunkSize must be a positive integer \(0 given\)/,
    );
  });
});
