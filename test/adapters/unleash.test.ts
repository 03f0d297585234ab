import assert from 'node:assert/strict';
import { PayloadType, type Unleash } from 'unleash-client';
import { trackUnleashImpressions } from '../../adapters/unleash/index.js';
import type { FeatureEvent } from '../../src/index.js';
import { offlineUnleash } from '../support/offline-unleash.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

const always = [{ name: 'default', parameters: {}, constraints: [] }];

/** The toggles, as an Unleash server would send them; impression data on except for 'quiet'. */
const TOGGLES = [
  { name: 'new-checkout', enabled: true, impressionData: true, strategies: [{ name: 'userWithId', parameters: { userIds: 'user-1' }, constraints: [] }] },
  {
    name: 'banner-color',
    enabled: true,
    impressionData: true,
    strategies: always,
    variants: [{ name: 'blue', weight: 1000, stickiness: 'default', payload: { type: PayloadType.STRING, value: '#0000ff' } }],
  },
  { name: 'old-feature', enabled: false, impressionData: true, strategies: always },
  // A strategy this client does not know: Unleash evaluates it as off.
  { name: 'broken', enabled: true, impressionData: true, strategies: [{ name: 'no-such-strategy', parameters: {}, constraints: [] }] },
  { name: 'quiet', enabled: true, impressionData: false, strategies: always },
];

describe('trackUnleashImpressions with the real Unleash client (offline)', () => {
  let pipeline: Pipeline;
  let unleash: Unleash;

  beforeEach(async () => {
    pipeline = await startPipeline();
    unleash = await offlineUnleash('adapter-test', TOGGLES);
  });
  afterEach(async () => {
    unleash.destroy();
    await pipeline.close();
  });

  it('delivers one event per impression with the §7 mapping', async () => {
    trackUnleashImpressions(unleash, pipeline.processor, { metadata: { env: 'test' } });
    assert.equal(unleash.isEnabled('new-checkout', { userId: 'user-1' }), true);
    assert.equal(unleash.getVariant('banner-color', { sessionId: 'visitor-9' }).name, 'blue');
    assert.equal(unleash.isEnabled('new-checkout'), false);
    assert.equal(unleash.isEnabled('no-such-flag', { userId: 'user-1' }, () => true), true);
    assert.equal(unleash.isEnabled('broken', { userId: 'user-2' }), false);
    assert.equal(unleash.isEnabled('old-feature', { userId: 'user-3' }), false);
    assert.equal(unleash.getVariant('old-feature', { userId: 'user-3' }).name, 'disabled');
    assert.equal(unleash.isEnabled('quiet', { userId: 'user-1' }), true);

    const meta = (eventType: string) => ({ env: 'test', provider: 'unleash', eventType });
    const base = { kind: 'feature', default: false, version: '', source: 'SERVER' };
    // No event for the unknown toggle nor for 'quiet': Unleash emits no impression for them.
    assert.deepEqual(await pipeline.delivered(), [
      { ...base, contextKind: 'user', userKey: 'user-1', key: 'new-checkout', variation: 'enabled', value: true, metadata: meta('isEnabled') },
      { ...base, contextKind: 'anonymousUser', userKey: 'visitor-9', key: 'banner-color', variation: 'blue', value: true, metadata: meta('getVariant') },
      { ...base, contextKind: 'anonymousUser', userKey: 'undefined-targetingKey', key: 'new-checkout', variation: 'disabled', value: false, metadata: meta('isEnabled') },
      { ...base, contextKind: 'user', userKey: 'user-2', key: 'broken', variation: 'disabled', value: false, metadata: meta('isEnabled') },
      { ...base, contextKind: 'user', userKey: 'user-3', key: 'old-feature', variation: 'disabled', value: false, metadata: meta('isEnabled') },
      { ...base, contextKind: 'user', userKey: 'user-3', key: 'old-feature', variation: 'disabled', value: false, metadata: meta('getVariant') },
    ]);
    assert.deepEqual(pipeline.network.outside(), [], 'the client reached nothing but the receiver');
  });

  it('stops when unsubscribed', async () => {
    const unsubscribe = trackUnleashImpressions(unleash, pipeline.processor, { source: 'EDGE' });
    unleash.isEnabled('new-checkout', { userId: 'user-1' });
    unsubscribe();
    unleash.isEnabled('new-checkout', { userId: 'user-1' });
    assert.equal(unleash.listenerCount('impression'), 0);
    assert.deepEqual(await pipeline.delivered(), [
      { kind: 'feature', contextKind: 'user', userKey: 'user-1', key: 'new-checkout', variation: 'enabled', value: true, default: false, version: '', source: 'EDGE', metadata: { provider: 'unleash', eventType: 'isEnabled' } },
    ]);
  });

  it('never throws into the client: a failing processor leaves evaluations as they were', () => {
    let calls = 0;
    trackUnleashImpressions(unleash, {
      add(_event: FeatureEvent): void {
        calls++;
        throw new Error('full');
      },
    });
    assert.equal(unleash.isEnabled('new-checkout', { userId: 'user-1' }), true);
    assert.equal(unleash.getVariant('banner-color', { userId: 'user-1' }).name, 'blue');
    assert.equal(calls, 2);
  });

  it('refuses a bad client, processor or options, naming them', () => {
    assert.throws(() => trackUnleashImpressions({} as never, { add() {} }), { name: 'TypeError', message: 'trackUnleashImpressions: unleash must be an Unleash client (with on and off)' });
    assert.throws(() => trackUnleashImpressions(unleash, null as never), { message: 'trackUnleashImpressions: the processor must have an add(event) method' });
    assert.throws(() => trackUnleashImpressions(unleash, { add() {} }, { metadata: null as never }), { message: 'trackUnleashImpressions: options.metadata must be an object' });
    assert.equal(unleash.listenerCount('impression'), 0, 'nothing subscribed by a refused call');
  });
});
