import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs `body` in a fresh Node process (TypeScript through tsx) in which the
 * optional peers cannot be resolved, as in an app that did not install them.
 * Prints the JSON `body` returns.
 */
async function withoutPeers(body: string): Promise<unknown> {
  const script = `
    const Module = require('node:module');
    const blocked = /^@openfeature\\/|^@opentelemetry\\/(sdk-logs|api-logs)(\\/|$)|^@launchdarkly\\/|^unleash-client(\\/|$)|^@growthbook\\/|^@configcat\\/|^configcat-/;
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (blocked.test(request)) {
        throw Object.assign(new Error('Cannot find module ' + request), { code: 'MODULE_NOT_FOUND' });
      }
      return resolve.call(this, request, ...rest);
    };
    const loaded = () => Object.keys(require.cache).filter((p) => p.includes('node_modules')).map((p) => p.split('node_modules/').pop());
    Promise.resolve().then(async () => {
      ${body}
    }).then((out) => process.stdout.write(JSON.stringify(out)), (err) => { console.error(err); process.exit(1); });
  `;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, timeout: 15_000 });
  return JSON.parse(stdout);
}

/** Paths under node_modules of every optional peer: the flag SDKs and the OTel logs SDK. */
const SDK = /^@openfeature\/|^@opentelemetry\/(sdk-|api-logs)|^@launchdarkly\/|^unleash-client\/|^@growthbook\/|^@configcat\//;

describe('optional peers (child processes without them)', () => {
  it('the core loads neither OpenFeature nor the OpenTelemetry logs SDK', async () => {
    const out = (await withoutPeers(`
      const core = require('./src/index.ts');
      return { exports: Object.keys(core).length, loaded: loaded() };
    `)) as { exports: number; loaded: string[] };
    assert.ok(out.exports > 10);
    const sdk = out.loaded.filter((p) => SDK.test(p));
    assert.deepEqual(sdk, []);
    // It does use its peers @opentelemetry/api and @opentelemetry/core.
    assert.ok(out.loaded.some((p) => p.startsWith('@opentelemetry/core/')));
  });

  it('the OTel adapter loads and emits without @opentelemetry/sdk-logs or api-logs', async () => {
    const out = await withoutPeers(`
      const { OtelLogsExporter, WebhookLogRecordExporter } = require('./adapters/otel/index.ts');
      const emitted = [];
      const exporter = new OtelLogsExporter({ loggerProvider: { getLogger: () => ({ emit: (r) => emitted.push(r) }) } });
      let code;
      exporter.export([{ kind: 'feature', userKey: 'u', creationDate: 1700000000, key: 'k', variation: 'on', value: true, default: false }], (r) => { code = r.code; });
      new WebhookLogRecordExporter({ endpointUrl: 'http://127.0.0.1:9/' }).shutdown();
      return { code, emitted, sink: typeof WebhookLogRecordExporter };
    `);
    assert.deepEqual(out, {
      code: 0,
      emitted: [
        {
          eventName: 'feature_flag.evaluation',
          timestamp: [1_700_000_000, 0],
          attributes: {
            'event.name': 'feature_flag.evaluation',
            'feature_flag.key': 'k',
            'feature_flag.result.variant': 'on',
            'feature_flag.result.value': true,
            'feature_flag.context.id': 'u',
          },
        },
      ],
      sink: 'function',
    });
  });

  it('the OpenFeature adapter loads and records without @openfeature/server-sdk', async () => {
    const out = await withoutPeers(`
      const { FeatureEventHook } = require('./adapters/openfeature/index.ts');
      const events = [];
      const hook = new FeatureEventHook({ add: (e) => events.push(e) });
      hook.finally(
        { flagKey: 'k', context: { targetingKey: 'u' }, providerMetadata: { name: 'p' } },
        { flagKey: 'k', value: 1, variant: 'one', reason: 'STATIC', flagMetadata: {} },
      );
      return { events: events.map(({ creationDate, ...e }) => e), openfeature: loaded().filter((p) => p.startsWith('@openfeature/')) };
    `);
    assert.deepEqual(out, {
      events: [
        { kind: 'feature', contextKind: 'user', userKey: 'u', key: 'k', variation: 'one', value: 1, default: false, version: '', source: 'SERVER', metadata: { provider: 'p', reason: 'STATIC' } },
      ],
      openfeature: [],
    });
  });

  it('each flag-SDK adapter loads and records without any SDK, and loads no other adapter (nor does the core)', async () => {
    const out = (await withoutPeers(`
      const events = [];
      const processor = { add: (e) => events.push(e) };
      // The adapters/ folders one require() loaded: the cache is emptied of them before each.
      const adapters = () => {
        const folders = Object.keys(require.cache).filter((p) => p.includes('/adapters/'));
        folders.forEach((p) => delete require.cache[p]);
        return [...new Set(folders.map((p) => p.split('/adapters/').pop().split('/')[0]))].sort();
      };
      const emitter = () => { const listeners = new Set(); return { on: (_n, l) => listeners.add(l), off: (_n, l) => listeners.delete(l), emit: (x) => listeners.forEach((l) => l(x)) }; };
      const result = {};
      require('./src/index.ts');
      result.core = adapters();

      const { LaunchDarklyEventHook } = require('./adapters/launchdarkly/index.ts');
      new LaunchDarklyEventHook(processor).afterEvaluation({ flagKey: 'ld', context: { kind: 'user', key: 'u' } }, {}, { value: true, variationIndex: 0, reason: { kind: 'FALLTHROUGH' } });
      result.launchdarkly = adapters();

      const { trackUnleashImpressions } = require('./adapters/unleash/index.ts');
      const unleash = emitter();
      trackUnleashImpressions(unleash, processor);
      unleash.emit({ eventType: 'isEnabled', context: { userId: 'u' }, enabled: true, featureName: 'un' });
      result.unleash = adapters();

      const { growthBookCallbacks } = require('./adapters/growthbook/index.ts');
      growthBookCallbacks(processor).onFeatureUsage('gb', { value: 1, source: 'force', ruleId: 'r1' }, { attributes: { id: 'u' } });
      result.growthbook = adapters();

      const { trackConfigCatEvaluations } = require('./adapters/configcat/index.ts');
      const configcat = emitter();
      trackConfigCatEvaluations(configcat, processor);
      configcat.emit({ key: 'cc', value: 'x', variationId: 'v1', user: { identifier: 'u' }, isDefaultValue: false, errorCode: 0 });
      result.configcat = adapters();

      return { ...result, events: events.map(({ creationDate, ...e }) => [e.key, e.variation, e.metadata]), loaded: loaded() };
    `)) as Record<string, unknown> & { loaded: string[] };
    // The core loads no adapter; each adapter its own folder and the shared helpers only.
    assert.deepEqual(
      [out.core, out.launchdarkly, out.unleash, out.growthbook, out.configcat],
      [[], ['launchdarkly', 'shared'], ['shared', 'unleash'], ['growthbook', 'shared'], ['configcat', 'shared']],
    );
    assert.deepEqual(out.events, [
      ['ld', '0', { provider: 'launchdarkly', reason: 'FALLTHROUGH' }],
      ['un', 'enabled', { provider: 'unleash', eventType: 'isEnabled' }],
      ['gb', 'r1', { provider: 'growthbook', reason: 'force' }],
      ['cc', 'v1', { provider: 'configcat', reason: 'DEFAULT' }],
    ]);
    assert.deepEqual(out.loaded.filter((p) => SDK.test(p)), []);
  });
});
