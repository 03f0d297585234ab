// The flag-SDK adapters' hot path, ns per evaluation. config.sdk is one of
// launchdarkly, unleash, growthbook, configcat (each running offline on 20
// boolean flags that are on for everyone), config.mode one of:
//   'nohook'   – the SDK's evaluation alone;
//   'noop'     – the same with an empty hook or listener: what the SDK's own
//                machinery costs once anything listens, whatever it does;
//   'hook'     – the same with the adapter (processor with an instant exporter);
//   'callback' – the adapter's callback called directly with a real
//                evaluation's arguments: its own cost (building the event and
//                add()), without the SDK.
// Async evaluations (LaunchDarkly, ConfigCat) are awaited, as an application does.
import { config, loadAdapter, loadCore, runScenario, sinkExporter, yieldToLoop } from '../child.mjs';
import { FLAG_KEYS, userKey } from '../events.mjs';

const SLICE = 1_000;
const PROCESSOR_OPTIONS = { flushInterval: 60_000, maxEventInMemory: 10_000, maxBufferedEvents: 40_000, maxBatchSize: 10_000, exportTimeout: 30_000 };

/**
 * Per SDK: start it offline with the adapter attached when `processor` is
 * given; return `evaluate(i)`, `adapterCall()` (the adapter's callback bound
 * to a real evaluation's arguments, for 'callback' mode) and `close()`.
 */
const SDKS = {
  async launchdarkly(processor, adapter) {
    const { basicLogger, init, integrations } = await import('@launchdarkly/node-server-sdk');
    const td = new integrations.TestData();
    for (const key of FLAG_KEYS) td.update(td.flag(key).booleanFlag().variationForAll(true));
    let captured;
    const capture = { getMetadata: () => ({ name: 'capture' }), afterEvaluation: (hookContext, data, detail) => ((captured ??= { hookContext, data, detail }), data) };
    const hook = processor ? new adapter.LaunchDarklyEventHook(processor) : undefined;
    const client = init('sdk-key', {
      updateProcessor: td.getFactory(), sendEvents: false, diagnosticOptOut: true, logger: basicLogger({ level: 'none' }),
      hooks: config.mode === 'hook' ? [hook] : config.mode === 'noop' ? [{ getMetadata: () => ({ name: 'noop' }), afterEvaluation: (_c, data) => data }] : [],
    });
    await client.waitForInitialization({ timeout: 10 });
    return {
      evaluate: (i) => client.variation(FLAG_KEYS[i % FLAG_KEYS.length], { kind: 'user', key: userKey(i) }, false),
      async adapterCall() {
        client.addHook(capture);
        await client.variation(FLAG_KEYS[0], { kind: 'user', key: userKey(0) }, false);
        const { hookContext, data, detail } = captured;
        return () => hook.afterEvaluation(hookContext, data, detail);
      },
      close: () => client.close(),
    };
  },

  async unleash(processor, adapter) {
    const { once } = await import('node:events');
    const { InMemStorageProvider, Unleash } = await import('unleash-client');
    const unleash = new Unleash({
      appName: 'bench', url: 'http://127.0.0.1:1/api/', refreshInterval: 0, disableMetrics: true, storageProvider: new InMemStorageProvider(), skipInstanceCountWarning: true,
      bootstrap: { data: FLAG_KEYS.map((name) => ({ name, enabled: true, impressionData: true, strategies: [{ name: 'default', parameters: {}, constraints: [] }] })) },
    });
    await once(unleash, 'ready');
    if (config.mode === 'hook') adapter.trackUnleashImpressions(unleash, processor);
    if (config.mode === 'noop') unleash.on('impression', () => {});
    return {
      evaluate: (i) => unleash.isEnabled(FLAG_KEYS[i % FLAG_KEYS.length], { userId: userKey(i) }),
      async adapterCall() {
        let impression;
        unleash.once('impression', (e) => (impression = e));
        unleash.isEnabled(FLAG_KEYS[0], { userId: userKey(0) });
        // The adapter's own listener, as it subscribes it.
        let listener;
        adapter.trackUnleashImpressions({ on: (_name, l) => (listener = l), off() {} }, processor);
        return () => listener(impression);
      },
      close: () => unleash.destroy(),
    };
  },

  async growthbook(processor, adapter) {
    const { GrowthBookClient } = await import('@growthbook/growthbook');
    const callbacks = processor ? adapter.growthBookCallbacks(processor) : undefined;
    let captured;
    const capture = (key, result, user) => (captured ??= { key, result, user });
    const options = { hook: { ...callbacks }, noop: { onFeatureUsage() {} }, callback: { onFeatureUsage: capture } }[config.mode] ?? {};
    const client = new GrowthBookClient(options);
    await client.init({ payload: { features: Object.fromEntries(FLAG_KEYS.map((key) => [key, { defaultValue: true }])) } });
    return {
      evaluate: (i) => client.isOn(FLAG_KEYS[i % FLAG_KEYS.length], { attributes: { id: userKey(i) } }),
      async adapterCall() {
        client.isOn(FLAG_KEYS[0], { attributes: { id: userKey(0) } });
        const { key, result, user } = captured;
        return () => callbacks.onFeatureUsage(key, result, user);
      },
      close: () => client.destroy(),
    };
  },

  async configcat(processor, adapter) {
    const configcat = await import('@configcat/sdk/node');
    const client = configcat.getClient('bench-sdk-key', configcat.PollingMode.ManualPoll, {
      flagOverrides: configcat.createFlagOverridesFromMap(Object.fromEntries(FLAG_KEYS.map((key) => [key, true])), configcat.OverrideBehaviour.LocalOnly),
      offline: true,
      logger: configcat.createConsoleLogger(configcat.LogLevel.Off),
    });
    if (config.mode === 'hook') adapter.trackConfigCatEvaluations(client, processor);
    if (config.mode === 'noop') client.on('flagEvaluated', () => {});
    return {
      evaluate: (i) => client.getValueAsync(FLAG_KEYS[i % FLAG_KEYS.length], false, { identifier: userKey(i) }),
      async adapterCall() {
        let details;
        const capture = (d) => (details ??= d);
        client.on('flagEvaluated', capture);
        await client.getValueAsync(FLAG_KEYS[0], false, { identifier: userKey(0) });
        client.off('flagEvaluated', capture);
        let listener;
        adapter.trackConfigCatEvaluations({ on: (_name, l) => (listener = l), off() {} }, processor);
        return () => listener(details);
      },
      close: () => client.dispose(),
    };
  },
};

const setup = SDKS[config.sdk];
if (!setup) throw new Error(`unknown sdk ${config.sdk}`);
let processor;
let adapter;
if (config.mode === 'hook' || config.mode === 'callback') {
  const { BatchProcessor } = await loadCore();
  adapter = await loadAdapter(config.sdk);
  processor = new BatchProcessor(sinkExporter(), PROCESSOR_OPTIONS);
}
const sdk = await setup(processor, adapter);

/** ns for `count` evaluations, awaited when the SDK's evaluation is async. */
async function timeEvaluations(count) {
  let ns = 0n;
  for (let done = 0; done < count; done += SLICE) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < SLICE; j++) {
      const result = sdk.evaluate(done + j);
      if (result instanceof Promise) await result;
    }
    ns += process.hrtime.bigint() - t0;
    // Let the processor flush to its instant exporter between slices.
    await yieldToLoop();
  }
  return Number(ns);
}

/** ns for `count` direct calls of the adapter's callback. */
async function timeCalls(call, count) {
  let ns = 0n;
  for (let done = 0; done < count; done += SLICE) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < SLICE; j++) call();
    ns += process.hrtime.bigint() - t0;
    await yieldToLoop();
  }
  return Number(ns);
}

runScenario(async () => {
  // These SDKs evaluate in about a microsecond, an OpenFeature evaluation in
  // about fifteen: time 10× as many evaluations, after a warm-up half as long,
  // so that JIT and GC settle (short runs overstate the cost with a listener).
  let count = Math.max(SLICE, Math.ceil(config.evaluations / SLICE) * SLICE) * 10;
  let ns;
  if (config.mode === 'callback') {
    // The callback alone is cheaper still: 10× as many again.
    count *= 10;
    const call = await sdk.adapterCall();
    await timeCalls(call, count / 2);
    ns = await timeCalls(call, count);
  } else {
    await timeEvaluations(count / 2);
    ns = await timeEvaluations(count);
  }
  const stats = processor?.stats();
  await processor?.shutdown();
  await sdk.close();
  return { nsPerEvaluation: ns / count, evaluations: count, sdk: config.sdk, mode: config.mode, stats };
});
