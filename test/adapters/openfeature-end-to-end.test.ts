import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { OpenFeature } from '@openfeature/server-sdk';
import { FeatureEventHook } from '../../adapters/openfeature/index.js';
import { BatchProcessor, WebhookExporter } from '../../src/index.js';
import { FLAGS, MetadataInMemoryProvider, resetOpenFeature } from './support/flags.js';
import { startReceiver, type TestReceiver } from './support/receiver.js';

const SECRET = 'hook-secret';

describe('FeatureEventHook end to end: OpenFeature → BatchProcessor → WebhookExporter → receiver', () => {
  let receiver: TestReceiver;
  let processor: BatchProcessor;

  beforeEach(async () => {
    await resetOpenFeature();
    receiver = await startReceiver(SECRET);
    processor = new BatchProcessor(new WebhookExporter({ endpointUrl: receiver.url, secret: SECRET, meta: { service: 'shop' } }));
    OpenFeature.addHooks(new FeatureEventHook(processor, { metadata: { env: 'test' } }));
    await OpenFeature.setProviderAndWait(new MetadataInMemoryProvider(FLAGS));
  });

  afterEach(async () => {
    await resetOpenFeature();
    await processor.shutdown();
    await receiver.close();
  });

  it('delivers one signed batch with the right event for each kind of evaluation', async () => {
    const start = Math.floor(Date.now() / 1000);
    const client = OpenFeature.getClient();
    assert.equal(await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-1' }), true);
    assert.equal(await client.getStringValue('banner-color', 'grey', { targetingKey: 'visitor-9', anonymous: true }), '#0000ff');
    assert.deepEqual(await client.getObjectValue('limits', {}, {}), { max: 5, tiers: ['a', 'b'] });
    assert.equal(await client.getBooleanValue('no-such-flag', false, { targetingKey: 'user-1' }), false);
    assert.equal(await client.getNumberValue('banner-color', 42, { targetingKey: 'user-2' }), 42);
    assert.equal(await client.getBooleanValue('old-feature', false, { targetingKey: 'user-3' }), false);

    // The hook only queued the events: nothing is sent before a flush.
    assert.equal(receiver.deliveries.length, 0);
    assert.equal(processor.stats().pending, 6);
    await processor.forceFlush();
    const end = Math.floor(Date.now() / 1000);

    assert.equal(receiver.deliveries.length, 1, 'one batch');
    const { payload, webhookId } = receiver.deliveries[0]!;
    assert.match(webhookId ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(payload.meta, { hostname: hostname(), service: 'shop' });

    const events = payload.events as unknown as Array<Record<string, unknown>>;
    for (const event of events) {
      const creationDate = event.creationDate as number;
      assert.ok(Number.isInteger(creationDate) && creationDate >= start && creationDate <= end, `creationDate ${creationDate}`);
      delete event.creationDate;
    }
    const meta = (reason: string, errorCode?: string) => ({ env: 'test', provider: 'in-memory', reason, ...(errorCode ? { errorCode } : {}) });
    assert.deepEqual(events, [
      { kind: 'feature', contextKind: 'user', userKey: 'user-1', key: 'new-checkout', variation: 'on', value: true, default: false, version: '7', source: 'SERVER', metadata: meta('STATIC') },
      { kind: 'feature', contextKind: 'anonymousUser', userKey: 'visitor-9', key: 'banner-color', variation: 'blue', value: '#0000ff', default: false, version: '7', source: 'SERVER', metadata: meta('STATIC') },
      { kind: 'feature', contextKind: 'anonymousUser', userKey: 'undefined-targetingKey', key: 'limits', variation: 'small', value: { max: 5, tiers: ['a', 'b'] }, default: false, version: '7', source: 'SERVER', metadata: meta('STATIC') },
      { kind: 'feature', contextKind: 'user', userKey: 'user-1', key: 'no-such-flag', variation: 'SdkDefault', value: false, default: true, version: '', source: 'SERVER', metadata: meta('ERROR', 'FLAG_NOT_FOUND') },
      { kind: 'feature', contextKind: 'user', userKey: 'user-2', key: 'banner-color', variation: 'SdkDefault', value: 42, default: true, version: '', source: 'SERVER', metadata: meta('ERROR', 'TYPE_MISMATCH') },
      { kind: 'feature', contextKind: 'user', userKey: 'user-3', key: 'old-feature', variation: 'SdkDefault', value: false, default: true, version: '7', source: 'SERVER', metadata: meta('DISABLED') },
    ]);
    const stats = processor.stats();
    assert.equal(stats.accepted, 6);
    assert.equal(stats.delivered, 6);
    assert.equal(stats.failedExports, 0);
  });
});
