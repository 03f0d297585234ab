import assert from 'node:assert/strict';
import * as configcat from '@configcat/sdk/node';
import { trackConfigCatEvaluations } from '../../adapters/configcat/index.js';
import type { FeatureEvent } from '../../src/index.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

/** A config in ConfigCat's config JSON (v6), with variation ids, a targeting rule and a percentage option. */
const CONFIG_JSON = JSON.stringify({
  p: { u: 'https://cdn-global.configcat.com', r: 0, s: 'test-salt' },
  f: {
    'new-checkout': { t: 0, v: { b: false }, i: 'v-off', r: [{ c: [{ u: { a: 'Identifier', c: 28, s: 'user-1' } }], s: { v: { b: true }, i: 'v-on' } }] },
    'banner-color': { t: 1, v: { s: 'grey' }, i: 'v-grey', p: [{ p: 100, v: { s: '#0000ff' }, i: 'v-blue' }] },
    'old-feature': { t: 0, v: { b: false }, i: 'v-old-off' },
  },
});

/** The real client, offline: local-only flag overrides (nothing fetched), logging off. */
function offlineClient(sdkKey: string, dataSource: configcat.IOverrideDataSource): configcat.IConfigCatClient {
  return configcat.getClient(sdkKey, configcat.PollingMode.ManualPoll, {
    flagOverrides: { dataSource, behaviour: configcat.OverrideBehaviour.LocalOnly },
    offline: true,
    logger: configcat.createConsoleLogger(configcat.LogLevel.Off),
  });
}

/** Overrides with the whole config model, so evaluations have variation ids, rules and percentage options. */
function configOverrides(): configcat.IOverrideDataSource {
  const settings = configcat.deserializeConfig(CONFIG_JSON).f!;
  return { getOverrides: () => settings };
}

describe('trackConfigCatEvaluations with the real ConfigCat SDK (local-only overrides)', () => {
  let pipeline: Pipeline;
  let client: configcat.IConfigCatClient | undefined;

  beforeEach(async () => {
    pipeline = await startPipeline();
  });
  afterEach(async () => {
    client?.dispose();
    client = undefined;
    await pipeline.close();
  });

  it('delivers one event per evaluation with the §7 mapping', async () => {
    client = offlineClient('adapter-test-config', configOverrides());
    trackConfigCatEvaluations(client, pipeline.processor, { metadata: { env: 'test' } });
    assert.equal(await client.getValueAsync('new-checkout', false, new configcat.User('user-1')), true);
    assert.equal(await client.getValueAsync('banner-color', 'x', { identifier: 'visitor-9' }), '#0000ff');
    assert.equal(await client.getValueAsync('banner-color', 'x'), 'grey');
    assert.equal(await client.getValueAsync('no-such-flag', 'fallback', { identifier: 'user-1' }), 'fallback');
    assert.equal(await client.getValueAsync('banner-color', 42, { identifier: 'user-1' }), 42);
    assert.equal(await client.getValueAsync('old-feature', true, { identifier: '' }), false);

    const meta = (reason: string, errorCode?: string) => ({ env: 'test', provider: 'configcat', reason, ...(errorCode ? { errorCode } : {}) });
    const base = { kind: 'feature', version: '', source: 'SERVER' };
    assert.deepEqual(await pipeline.delivered(), [
      { ...base, contextKind: 'user', userKey: 'user-1', key: 'new-checkout', variation: 'v-on', value: true, default: false, metadata: meta('TARGETING_MATCH') },
      { ...base, contextKind: 'user', userKey: 'visitor-9', key: 'banner-color', variation: 'v-blue', value: '#0000ff', default: false, metadata: meta('SPLIT') },
      { ...base, contextKind: 'anonymousUser', userKey: 'undefined-targetingKey', key: 'banner-color', variation: 'v-grey', value: 'grey', default: false, metadata: meta('DEFAULT') },
      { ...base, contextKind: 'user', userKey: 'user-1', key: 'no-such-flag', variation: 'SdkDefault', value: 'fallback', default: true, metadata: meta('ERROR', 'SettingKeyMissing') },
      { ...base, contextKind: 'user', userKey: 'user-1', key: 'banner-color', variation: 'SdkDefault', value: 42, default: true, metadata: meta('ERROR', 'SettingValueTypeMismatch') },
      { ...base, contextKind: 'anonymousUser', userKey: 'undefined-targetingKey', key: 'old-feature', variation: 'v-old-off', value: false, default: false, metadata: meta('DEFAULT') },
    ]);
    assert.deepEqual(pipeline.network.outside(), [], 'the SDK reached nothing but the receiver');
  });

  it('simple map overrides have no variation id: the value stands in; unsubscribing stops events', async () => {
    client = offlineClient('adapter-test-map', configcat.createFlagOverridesFromMap({ 'dark-mode': true, limit: 5 }, configcat.OverrideBehaviour.LocalOnly).dataSource);
    const unsubscribe = trackConfigCatEvaluations(client, pipeline.processor, { source: 'EDGE' });
    assert.equal(await client.getValueAsync('dark-mode', false, { identifier: 'user-1' }), true);
    assert.equal(client.snapshot().getValue('limit', 0, { identifier: 'user-1' }), 5);
    unsubscribe();
    await client.getValueAsync('dark-mode', false, { identifier: 'user-1' });
    const base = { kind: 'feature', contextKind: 'user', userKey: 'user-1', default: false, version: '', source: 'EDGE', metadata: { provider: 'configcat', reason: 'DEFAULT' } };
    assert.deepEqual(await pipeline.delivered(), [
      { ...base, key: 'dark-mode', variation: 'true', value: true },
      { ...base, key: 'limit', variation: '5', value: 5 },
    ]);
  });

  it('never throws into the SDK: a failing processor leaves evaluations as they were', async () => {
    client = offlineClient('adapter-test-failing', configOverrides());
    let calls = 0;
    trackConfigCatEvaluations(client, {
      add(_event: FeatureEvent): void {
        calls++;
        throw new Error('full');
      },
    });
    const details = await client.getValueDetailsAsync('new-checkout', false, { identifier: 'user-1' });
    assert.equal(details.value, true);
    assert.equal(details.variationId, 'v-on');
    assert.equal(calls, 1);
  });

  it('refuses a bad client, processor or options, naming them', () => {
    assert.throws(() => trackConfigCatEvaluations({ on() {} } as never, { add() {} }), { name: 'TypeError', message: 'trackConfigCatEvaluations: client must be a ConfigCat client (with on and off)' });
    client = offlineClient('adapter-test-refused', configOverrides());
    assert.throws(() => trackConfigCatEvaluations(client!, {} as never), { message: 'trackConfigCatEvaluations: the processor must have an add(event) method' });
    assert.throws(() => trackConfigCatEvaluations(client!, { add() {} }, { source: null as never }), { message: 'trackConfigCatEvaluations: options.source must be a string' });
  });
});
