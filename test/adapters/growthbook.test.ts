import assert from 'node:assert/strict';
import { GrowthBook, GrowthBookClient, type FeatureDefinition } from '@growthbook/growthbook';
import { growthBookCallbacks } from '../../adapters/growthbook/index.js';
import type { ExportableEvent } from '../../src/index.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

/** A local features payload, as GrowthBook's API would serve it. */
const FEATURES: Record<string, FeatureDefinition> = {
  'new-checkout': { defaultValue: false, rules: [{ id: 'fr_vip', condition: { id: 'user-1' }, force: true }] },
  // Everyone with an id is in the experiment, all on its second variation.
  'banner-color': {
    defaultValue: 'grey',
    rules: [{ id: 'fr_exp', key: 'banner-test', variations: ['#ff0000', '#0000ff'], weights: [0, 1], hashAttribute: 'id', meta: [{ key: 'control' }, { key: 'treatment' }] }],
  },
  'old-feature': { defaultValue: false },
  // Gated on old-feature being true: off for everyone, so the caller's default comes back.
  gated: { defaultValue: true, rules: [{ parentConditions: [{ id: 'old-feature', condition: { value: true }, gate: true }] }] },
  // A prerequisite cycle: GrowthBook's evaluation error.
  'cycle-a': { defaultValue: 1, rules: [{ parentConditions: [{ id: 'cycle-b', condition: { value: 1 } }] }] },
  'cycle-b': { defaultValue: 1, rules: [{ parentConditions: [{ id: 'cycle-a', condition: { value: 1 } }] }] },
};

describe('growthBookCallbacks with the real GrowthBook SDK (local payload)', () => {
  let pipeline: Pipeline;

  beforeEach(async () => {
    pipeline = await startPipeline();
  });
  afterEach(() => pipeline.close());

  it('GrowthBookClient: feature usage and exposures, with the §7 mapping', async () => {
    const client = new GrowthBookClient({ ...growthBookCallbacks(pipeline.processor, { metadata: { env: 'test' } }) });
    await client.init({ payload: { features: FEATURES } });
    const user = { attributes: { id: 'user-1', country: 'FR' } };
    const visitor = { attributes: { deviceId: 'visitor-9' } };
    assert.equal(client.isOn('new-checkout', user), true);
    assert.equal(client.getFeatureValue('banner-color', 'x', user), '#0000ff');
    assert.equal(client.getFeatureValue('banner-color', 'x', visitor), 'grey');
    assert.equal(client.getFeatureValue('no-such-flag', 'fallback', user), 'fallback');
    assert.equal(client.getFeatureValue('cycle-a', 7, user), 7);
    assert.equal(client.isOn('old-feature', { attributes: {} }), false);
    assert.equal(client.getFeatureValue('gated', false, user), false);
    client.destroy();

    const meta = (reason: string) => ({ env: 'test', provider: 'growthbook', reason });
    const feature = { kind: 'feature', version: '', source: 'SERVER' };
    const asUser = { contextKind: 'user', userKey: 'user-1' };
    const failed = { ...feature, ...asUser, variation: 'SdkDefault', value: null, default: true };
    assert.deepEqual(await pipeline.delivered(), [
      { ...feature, ...asUser, key: 'new-checkout', variation: 'fr_vip', value: true, default: false, metadata: meta('force') },
      // The exposure comes first: GrowthBook tracks it while it evaluates the feature.
      { kind: 'tracking', ...asUser, key: 'banner-test', evaluationContext: { country: 'FR', id: 'user-1' }, trackingEventDetails: { value: '#0000ff', variationId: 'treatment' } },
      { ...feature, ...asUser, key: 'banner-color', variation: 'treatment', value: '#0000ff', default: false, metadata: meta('experiment') },
      { ...feature, contextKind: 'anonymousUser', userKey: 'visitor-9', key: 'banner-color', variation: 'defaultValue', value: 'grey', default: false, metadata: meta('defaultValue') },
      { ...failed, key: 'no-such-flag', metadata: meta('unknownFeature') },
      // GrowthBook reports each evaluation of the cycle, the inner ones first.
      { ...failed, key: 'cycle-a', metadata: meta('cyclicPrerequisite') },
      { ...failed, key: 'cycle-b', metadata: meta('cyclicPrerequisite') },
      { ...failed, key: 'cycle-a', metadata: meta('cyclicPrerequisite') },
      { ...feature, contextKind: 'anonymousUser', userKey: 'undefined-targetingKey', key: 'old-feature', variation: 'defaultValue', value: false, default: false, metadata: meta('defaultValue') },
      // The gate evaluates its parent first.
      { ...feature, ...asUser, key: 'old-feature', variation: 'defaultValue', value: false, default: false, metadata: meta('defaultValue') },
      { ...failed, key: 'gated', metadata: meta('prerequisite') },
    ]);
    assert.deepEqual(pipeline.network.outside(), [], 'the SDK reached nothing but the receiver');
  });

  it('GrowthBook (single user): the attributes option names the user', async () => {
    const attributes = { uid: 'user-7', plan: 'pro' };
    const gb = new GrowthBook({
      attributes,
      features: FEATURES,
      ...growthBookCallbacks(pipeline.processor, { attributes, userKeyAttribute: 'uid', source: 'CLIENT' }),
    });
    assert.equal(gb.getFeatureValue('old-feature', true), false);
    gb.destroy();
    assert.deepEqual(await pipeline.delivered(), [
      { kind: 'feature', contextKind: 'user', userKey: 'user-7', key: 'old-feature', variation: 'defaultValue', value: false, default: false, version: '', source: 'CLIENT', metadata: { provider: 'growthbook', reason: 'defaultValue' } },
    ]);
  });

  it('copies the attributes of an exposure: later changes do not reach the event', () => {
    const events: ExportableEvent[] = [];
    const { trackingCallback } = growthBookCallbacks({ add: (e) => events.push(e) });
    const attributes: Record<string, unknown> = { id: 'u', plan: 'free' };
    trackingCallback({ key: 'exp' }, { key: '1', value: 2 }, { attributes });
    attributes.plan = 'pro';
    assert.deepEqual(events.map(({ creationDate: _, ...e }) => e), [
      { kind: 'tracking', contextKind: 'user', userKey: 'u', key: 'exp', evaluationContext: { id: 'u', plan: 'free' }, trackingEventDetails: { variationId: '1', value: 2 } },
    ]);
  });

  it('never throws into the SDK: a failing processor leaves evaluations as they were', async () => {
    let calls = 0;
    const client = new GrowthBookClient({
      ...growthBookCallbacks({
        add(_event: ExportableEvent): void {
          calls++;
          throw new Error('full');
        },
      }),
    });
    await client.init({ payload: { features: FEATURES } });
    assert.equal(client.getFeatureValue('banner-color', 'x', { attributes: { id: 'user-1' } }), '#0000ff');
    client.destroy();
    assert.equal(calls, 2, 'the exposure and the feature usage');
  });

  it('refuses a bad processor or options, naming them', () => {
    assert.throws(() => growthBookCallbacks(undefined as never), { name: 'TypeError', message: 'growthBookCallbacks: the processor must have an add(event) method' });
    assert.throws(() => growthBookCallbacks({ add() {} }, { userKeyAttribute: '' }), { message: 'growthBookCallbacks: options.userKeyAttribute must be a non-empty string' });
    assert.throws(() => growthBookCallbacks({ add() {} }, { anonymousKeyAttribute: 3 as never }), { message: 'growthBookCallbacks: options.anonymousKeyAttribute must be a non-empty string' });
    assert.throws(() => growthBookCallbacks({ add() {} }, { attributes: 'x' as never }), { message: 'growthBookCallbacks: options.attributes must be an object' });
  });
});
