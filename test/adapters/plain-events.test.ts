import assert from 'node:assert/strict';
import * as configcat from '@configcat/sdk/node';
import { GrowthBookClient } from '@growthbook/growthbook';
import { basicLogger, init, integrations } from '@launchdarkly/node-server-sdk';
import { EventHook } from '@openfeature/open-telemetry-hooks';
import { OpenFeature, type InMemoryFlagConfiguration } from '@openfeature/server-sdk';
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { trackConfigCatEvaluations } from '../../adapters/configcat/index.js';
import { growthBookCallbacks } from '../../adapters/growthbook/index.js';
import { LaunchDarklyEventHook } from '../../adapters/launchdarkly/index.js';
import { FeatureEventHook } from '../../adapters/openfeature/index.js';
import { isFeatureFlagEvaluation, logRecordToFeatureEvent } from '../../adapters/otel/index.js';
import { trackUnleashImpressions } from '../../adapters/unleash/index.js';
import type { ExportableEvent, FeatureEvent } from '../../src/index.js';
import { isPlainFeatureEvent } from '../../src/plain-feature-event.js';
import { serializeEvent } from '../../src/serialize.js';
import { MetadataInMemoryProvider, resetOpenFeature } from './support/flags.js';
import { offlineUnleash } from '../support/offline-unleash.js';

// Every adapter builds its feature events in GO Feature Flag's field order, with
// version present and metadata keys inserted sorted: the encoder's fast path
// (one native JSON.stringify) then takes them, and it must write the same bytes
// as the full walk. Each SDK runs offline, as in its own test.

/** Around the keys the adapters add: one sorts before them all, one after. */
const METADATA = { zone: 'eu', app: 'shop' };

/** A sink that keeps the feature events it gets. */
class FeatureSink {
  readonly events: FeatureEvent[] = [];
  add(event: ExportableEvent): void {
    if (event.kind === 'feature') this.events.push(event);
  }
}

/** Each event takes the fast path, and writes there what the full walk writes. */
function assertPlain(events: readonly FeatureEvent[]): void {
  for (const event of events) {
    assert.equal(isPlainFeatureEvent(event), true, `fast path for ${JSON.stringify(event)}`);
    assert.equal(JSON.stringify(event), serializeEvent(event));
  }
}

/** What the assertions ran on: [key, value, default] per event. */
function summary(events: readonly FeatureEvent[]): Array<[string, unknown, boolean]> {
  return events.map((e) => [e.key, e.value, e.default]);
}

/**
 * What a flag SDK's adapter gives for a boolean, a string and a number flag and a missing one:
 * the values, the user's metadata keys sorted in among the adapter's, and the fast path.
 */
function assertSdkEvents(events: readonly FeatureEvent[]): void {
  assert.deepEqual(summary(events), OF_EXPECTED.slice(0, 4));
  assert.deepEqual(Object.keys(events[3]!.metadata!), ['app', 'errorCode', 'provider', 'reason', 'zone']);
  assertPlain(events);
}

/** Flags with a boolean, a string and a number value, for the OpenFeature paths. */
const OF_FLAGS: InMemoryFlagConfiguration = {
  'new-checkout': { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false },
  'banner-color': { variants: { red: '#ff0000', blue: '#0000ff' }, defaultVariant: 'blue', disabled: false },
  'max-items': { variants: { few: 3, many: 30.5 }, defaultVariant: 'many', disabled: false },
  'old-feature': { variants: { on: true, off: false }, defaultVariant: 'on', disabled: true },
};

/** The evaluations every OpenFeature path runs: boolean, string, number, a missing flag, a disabled one. */
async function evaluateOpenFeature(): Promise<void> {
  const client = OpenFeature.getClient();
  assert.equal(await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-1' }), true);
  assert.equal(await client.getStringValue('banner-color', 'grey', { targetingKey: 'visitor-9', anonymous: true }), '#0000ff');
  assert.equal(await client.getNumberValue('max-items', 1, { targetingKey: 'user-1' }), 30.5);
  assert.equal(await client.getStringValue('no-such-flag', 'fallback', { targetingKey: 'user-1' }), 'fallback');
  assert.equal(await client.getBooleanValue('old-feature', false, {}), false);
}

const OF_EXPECTED: Array<[string, unknown, boolean]> = [
  ['new-checkout', true, false],
  ['banner-color', '#0000ff', false],
  ['max-items', 30.5, false],
  ['no-such-flag', 'fallback', true],
  ['old-feature', false, true],
];

describe('adapter events take the encoder fast path with the same bytes', () => {
  describe('OpenFeature and OTel', () => {
    beforeEach(resetOpenFeature);
    afterEach(resetOpenFeature);

    it('FeatureEventHook', async () => {
      const sink = new FeatureSink();
      OpenFeature.addHooks(new FeatureEventHook(sink, { metadata: METADATA }));
      await OpenFeature.setProviderAndWait(new MetadataInMemoryProvider(OF_FLAGS));
      await evaluateOpenFeature();
      assert.deepEqual(summary(sink.events), OF_EXPECTED);
      assert.deepEqual(sink.events.map((e) => e.version), ['7', '7', '7', '', '7']);
      assert.deepEqual(Object.keys(sink.events[3]!.metadata!), ['app', 'errorCode', 'provider', 'reason', 'zone']);
      assertPlain(sink.events);
    });

    it('logRecordToFeatureEvent, on the records of OpenFeature’s EventHook', async () => {
      const exporter = new InMemoryLogRecordExporter();
      const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
      logs.setGlobalLoggerProvider(loggerProvider);
      try {
        OpenFeature.addHooks(new EventHook());
        await OpenFeature.setProviderAndWait(new MetadataInMemoryProvider(OF_FLAGS));
        await evaluateOpenFeature();
        const events = exporter
          .getFinishedLogRecords()
          .filter(isFeatureFlagEvaluation)
          .map((record) => logRecordToFeatureEvent(record, 'SERVER')!);
        assert.deepEqual(summary(events), OF_EXPECTED);
        assert.deepEqual(events.map((e) => e.version), ['7', '7', '7', '', '7']);
        assert.deepEqual(Object.keys(events[3]!.metadata!), ['errorCode', 'provider', 'reason']);
        assert.deepEqual(Object.keys(events[0]!.metadata!), ['flagSetId', 'provider', 'reason']);
        assertPlain(events);
      } finally {
        logs.disable();
        await loggerProvider.shutdown();
      }
    });
  });

  it('LaunchDarklyEventHook', async () => {
    const td = new integrations.TestData();
    td.update(td.flag('new-checkout').booleanFlag().fallthroughVariation(true));
    td.update(td.flag('banner-color').variations('#ff0000', '#0000ff').fallthroughVariation(1));
    td.update(td.flag('max-items').variations(3, 30.5).fallthroughVariation(1));
    const sink = new FeatureSink();
    const client = init('sdk-key-offline', {
      updateProcessor: td.getFactory(),
      sendEvents: false,
      diagnosticOptOut: true,
      logger: basicLogger({ level: 'none' }),
      hooks: [new LaunchDarklyEventHook(sink, { metadata: METADATA })],
    });
    try {
      await client.waitForInitialization({ timeout: 5 });
      const user = { kind: 'user', key: 'user-1' };
      assert.equal(await client.boolVariation('new-checkout', user, false), true);
      assert.equal(await client.stringVariation('banner-color', user, 'grey'), '#0000ff');
      assert.equal(await client.numberVariation('max-items', user, 1), 30.5);
      assert.equal(await client.stringVariation('no-such-flag', user, 'fallback'), 'fallback');
    } finally {
      client.close();
    }
    assertSdkEvents(sink.events);
  });

  it('trackUnleashImpressions (values are always the toggle’s enabled)', async () => {
    const always = [{ name: 'default', parameters: {}, constraints: [] }];
    const unleash = await offlineUnleash('plain-events-test', [
      { name: 'new-checkout', enabled: true, impressionData: true, strategies: always },
      { name: 'banner-color', enabled: true, impressionData: true, strategies: always, variants: [{ name: 'blue', weight: 1000, stickiness: 'default' }] },
      { name: 'old-feature', enabled: false, impressionData: true, strategies: always },
    ]);
    try {
      const sink = new FeatureSink();
      trackUnleashImpressions(unleash, sink, { metadata: METADATA });
      assert.equal(unleash.isEnabled('new-checkout', { userId: 'user-1' }), true);
      assert.equal(unleash.getVariant('banner-color', { sessionId: 'visitor-9' }).name, 'blue');
      assert.equal(unleash.isEnabled('old-feature', { userId: 'user-1' }), false);
      assert.deepEqual(summary(sink.events), [
        ['new-checkout', true, false],
        ['banner-color', true, false],
        ['old-feature', false, false],
      ]);
      assert.deepEqual(Object.keys(sink.events[0]!.metadata!), ['app', 'eventType', 'provider', 'zone']);
      assertPlain(sink.events);
    } finally {
      unleash.destroy();
    }
  });

  it('growthBookCallbacks', async () => {
    const sink = new FeatureSink();
    const client = new GrowthBookClient({ ...growthBookCallbacks(sink, { metadata: METADATA }) });
    await client.init({
      payload: { features: { 'new-checkout': { defaultValue: true }, 'banner-color': { defaultValue: '#0000ff' }, 'max-items': { defaultValue: 30.5 } } },
    });
    const user = { attributes: { id: 'user-1' } };
    assert.equal(client.isOn('new-checkout', user), true);
    assert.equal(client.getFeatureValue('banner-color', 'grey', user), '#0000ff');
    assert.equal(client.getFeatureValue('max-items', 1, user), 30.5);
    assert.equal(client.getFeatureValue('no-such-flag', 'fallback', user), 'fallback');
    client.destroy();
    assert.deepEqual(summary(sink.events), [
      ['new-checkout', true, false],
      ['banner-color', '#0000ff', false],
      ['max-items', 30.5, false],
      ['no-such-flag', null, true],
    ]);
    assert.deepEqual(Object.keys(sink.events[0]!.metadata!), ['app', 'provider', 'reason', 'zone']);
    assertPlain(sink.events);
  });

  it('trackConfigCatEvaluations', async () => {
    const settings = configcat.deserializeConfig(
      JSON.stringify({
        p: { u: 'https://cdn-global.configcat.com', r: 0, s: 'test-salt' },
        f: {
          'new-checkout': { t: 0, v: { b: true }, i: 'v-on' },
          'banner-color': { t: 1, v: { s: '#0000ff' }, i: 'v-blue' },
          'max-items': { t: 3, v: { d: 30.5 }, i: 'v-many' },
        },
      }),
    ).f!;
    const client = configcat.getClient('plain-events-config', configcat.PollingMode.ManualPoll, {
      flagOverrides: { dataSource: { getOverrides: () => settings }, behaviour: configcat.OverrideBehaviour.LocalOnly },
      offline: true,
      logger: configcat.createConsoleLogger(configcat.LogLevel.Off),
    });
    const sink = new FeatureSink();
    try {
      trackConfigCatEvaluations(client, sink, { metadata: METADATA });
      const user = { identifier: 'user-1' };
      assert.equal(await client.getValueAsync('new-checkout', false, user), true);
      assert.equal(await client.getValueAsync('banner-color', 'grey', user), '#0000ff');
      assert.equal(await client.getValueAsync('max-items', 1, user), 30.5);
      assert.equal(await client.getValueAsync('no-such-flag', 'fallback', user), 'fallback');
    } finally {
      client.dispose();
    }
    assertSdkEvents(sink.events);
  });
});
