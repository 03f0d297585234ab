import assert from 'node:assert/strict';
import { basicLogger, init, integrations, type LDClient, type LDContext } from '@launchdarkly/node-server-sdk';
import { LaunchDarklyEventHook } from '../../adapters/launchdarkly/index.js';
import type { FeatureEvent } from '../../src/index.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

/** The real SDK, offline: flags from TestData, no events or diagnostics sent, no logging. */
async function offlineClient(td: integrations.TestData, hook: LaunchDarklyEventHook): Promise<LDClient> {
  const client = init('sdk-key-offline', {
    updateProcessor: td.getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    logger: basicLogger({ level: 'none' }),
    hooks: [hook],
  });
  await client.waitForInitialization({ timeout: 5 });
  return client;
}

async function flags(): Promise<integrations.TestData> {
  const td = new integrations.TestData();
  td.update(td.flag('new-checkout').booleanFlag().variationForUser('user-1', true).fallthroughVariation(false));
  td.update(td.flag('banner-color').variations('#ff0000', '#0000ff').fallthroughVariation(1).offVariation(0));
  td.update(td.flag('old-feature').booleanFlag().on(false));
  // Off, and no off variation: the SDK hands back the caller's default.
  await td.usePreconfiguredFlag({ key: 'retired', on: false, variations: ['a', 'b'], fallthrough: { variation: 0 } });
  return td;
}

describe('LaunchDarklyEventHook with the real LaunchDarkly SDK (offline)', () => {
  let pipeline: Pipeline;
  let client: LDClient | undefined;

  beforeEach(async () => {
    pipeline = await startPipeline();
  });
  afterEach(async () => {
    client?.close();
    client = undefined;
    await pipeline.close();
  });

  it('delivers one event per evaluation with the §7 mapping', async () => {
    client = await offlineClient(await flags(), new LaunchDarklyEventHook(pipeline.processor, { metadata: { env: 'test' } }));
    assert.equal(await client.variation('new-checkout', { kind: 'user', key: 'user-1' }, false), true);
    assert.equal(await client.stringVariation('banner-color', { kind: 'user', key: 'visitor-9', anonymous: true }, 'grey'), '#0000ff');
    assert.equal(await client.boolVariation('new-checkout', { kind: 'multi', org: { key: 'acme' }, user: { key: 'user-2' } }, true), false);
    assert.equal(await client.variation('no-such-flag', { key: 'user-1' }, 'fallback'), 'fallback');
    assert.equal(await client.numberVariation('banner-color', { kind: 'user', key: 'user-1' }, 42), 42);
    assert.equal(await client.variation('old-feature', { kind: 'user', key: 'user-3' }, true), false);
    assert.equal(await client.variation('retired', { kind: 'user', key: 'user-3' }, 'mine'), 'mine');
    assert.equal(await client.variation('new-checkout', { kind: 'user' } as unknown as LDContext, false), false);

    const meta = (reason: string, errorCode?: string) => ({ env: 'test', provider: 'launchdarkly', reason, ...(errorCode ? { errorCode } : {}) });
    const base = { kind: 'feature', version: '', source: 'SERVER' };
    assert.deepEqual(await pipeline.delivered(), [
      { ...base, contextKind: 'user', userKey: 'user-1', key: 'new-checkout', variation: '0', value: true, default: false, metadata: meta('TARGET_MATCH') },
      { ...base, contextKind: 'anonymousUser', userKey: 'visitor-9', key: 'banner-color', variation: '1', value: '#0000ff', default: false, metadata: meta('FALLTHROUGH') },
      { ...base, contextKind: 'user', userKey: 'user-2', key: 'new-checkout', variation: '1', value: false, default: false, metadata: meta('FALLTHROUGH') },
      { ...base, contextKind: 'user', userKey: 'user-1', key: 'no-such-flag', variation: 'SdkDefault', value: 'fallback', default: true, metadata: meta('ERROR', 'FLAG_NOT_FOUND') },
      { ...base, contextKind: 'user', userKey: 'user-1', key: 'banner-color', variation: 'SdkDefault', value: 42, default: true, metadata: meta('ERROR', 'WRONG_TYPE') },
      { ...base, contextKind: 'user', userKey: 'user-3', key: 'old-feature', variation: '1', value: false, default: false, metadata: meta('OFF') },
      { ...base, contextKind: 'user', userKey: 'user-3', key: 'retired', variation: 'SdkDefault', value: 'mine', default: true, metadata: meta('OFF') },
      { ...base, contextKind: 'anonymousUser', userKey: 'undefined-targetingKey', key: 'new-checkout', variation: 'SdkDefault', value: false, default: true, metadata: meta('ERROR', 'USER_NOT_SPECIFIED') },
    ]);
    assert.deepEqual(pipeline.network.outside(), [], 'the SDK reached nothing but the receiver');
    assert.ok(pipeline.network.hosts.includes('127.0.0.1'), 'the watch saw the webhook');
  });

  it('works when added to a running client, with the source option', async () => {
    client = await offlineClient(await flags(), new LaunchDarklyEventHook({ add() {} }));
    client.addHook?.(new LaunchDarklyEventHook(pipeline.processor, { source: 'PROVIDER_CACHE' }));
    await client.variationDetail('banner-color', { kind: 'user', key: 'user-1' }, 'grey');
    assert.deepEqual(await pipeline.delivered(), [
      { kind: 'feature', contextKind: 'user', userKey: 'user-1', key: 'banner-color', variation: '1', value: '#0000ff', default: false, version: '', source: 'PROVIDER_CACHE', metadata: { provider: 'launchdarkly', reason: 'FALLTHROUGH' } },
    ]);
  });

  it('never throws into the SDK: a failing processor leaves evaluations as they were', async () => {
    let calls = 0;
    const failing = {
      add(_event: FeatureEvent): void {
        calls++;
        throw new Error('full');
      },
    };
    client = await offlineClient(await flags(), new LaunchDarklyEventHook(failing));
    assert.equal(await client.variation('new-checkout', { kind: 'user', key: 'user-1' }, false), true);
    const detail = await client.variationDetail('banner-color', { kind: 'user', key: 'user-1' }, 'grey');
    assert.deepEqual(detail, { value: '#0000ff', variationIndex: 1, reason: { kind: 'FALLTHROUGH' } });
    assert.equal(calls, 2);
  });

  it('returns the series data unchanged and names itself', () => {
    const hook = new LaunchDarklyEventHook({ add() {} });
    const data = Object.freeze({ fromBefore: 1 });
    const out = hook.afterEvaluation({ flagKey: 'k', context: { key: 'u' } }, data, { value: 1, variationIndex: 0, reason: { kind: 'FALLTHROUGH' } });
    assert.equal(out, data);
    assert.deepEqual(hook.getMetadata(), { name: 'LaunchDarklyEventHook' });
  });

  it('refuses a bad processor or options, naming them', () => {
    assert.throws(() => new LaunchDarklyEventHook({} as never), { name: 'TypeError', message: 'LaunchDarklyEventHook: the processor must have an add(event) method' });
    assert.throws(() => new LaunchDarklyEventHook({ add() {} }, { source: 7 as never }), { message: 'LaunchDarklyEventHook: options.source must be a string' });
    assert.throws(() => new LaunchDarklyEventHook({ add() {} }, { metadata: 'x' as never }), { message: 'LaunchDarklyEventHook: options.metadata must be an object' });
  });
});
