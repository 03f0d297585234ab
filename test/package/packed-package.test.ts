import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installedVersion, packOnce, pinned, ROOT as root, userEnv } from '../support/packed.js';

/**
 * The package as a user meets it: `npm pack`, installed into a fresh project
 * with its peers, used through its public entry points and its bin.
 */
const peers = ['@opentelemetry/api', '@opentelemetry/core', '@opentelemetry/sdk-logs', '@openfeature/server-sdk'];
/** The flag SDKs of the four newer adapters: optional peers, installed only for the tests that say so. */
const flagSdks = ['@launchdarkly/node-server-sdk', 'unleash-client', '@growthbook/growthbook', '@configcat/sdk'];
/** Each flag-SDK adapter's entry point and what it exports. */
const flagAdapters = {
  launchdarkly: ['LaunchDarklyEventHook'],
  unleash: ['trackUnleashImpressions'],
  growthbook: ['growthBookCallbacks'],
  configcat: ['trackConfigCatEvaluations'],
};

/**
 * A program that evaluates one flag with each real SDK, offline, through each
 * adapter's entry point, and prints what reached the sink. `imports` binds
 * ld, un, gb, cat and the four adapter functions, by import or by require.
 */
function flagSdkProgram(imports: string, wrap: (body: string) => string): string {
  return `${imports}
${wrap(`
  const events = [];
  const sink = { add: (e) => events.push(e) };
  const td = new ld.integrations.TestData();
  td.update(td.flag('ld-flag').booleanFlag().variationForAll(true));
  const ldClient = ld.init('sdk-key', { updateProcessor: td.getFactory(), sendEvents: false, diagnosticOptOut: true, logger: ld.basicLogger({ level: 'none' }), hooks: [new LaunchDarklyEventHook(sink)] });
  await ldClient.waitForInitialization({ timeout: 5 });
  await ldClient.variation('ld-flag', { key: 'u' }, false);
  ldClient.close();

  const unleash = new un.Unleash({ appName: 'app', url: 'http://127.0.0.1:1/', refreshInterval: 0, disableMetrics: true, storageProvider: new un.InMemStorageProvider(), bootstrap: { data: [{ name: 'un-flag', enabled: true, impressionData: true, strategies: [] }] } });
  await new Promise((resolve) => unleash.once('ready', resolve));
  trackUnleashImpressions(unleash, sink);
  unleash.isEnabled('un-flag', { userId: 'u' });
  unleash.destroy();

  const gbClient = new gb.GrowthBookClient({ ...growthBookCallbacks(sink) });
  await gbClient.init({ payload: { features: { 'gb-flag': { defaultValue: true } } } });
  gbClient.isOn('gb-flag', { attributes: { id: 'u' } });
  gbClient.destroy();

  const ccClient = cat.getClient('sdk-key', cat.PollingMode.ManualPoll, { flagOverrides: cat.createFlagOverridesFromMap({ 'cc-flag': true }, cat.OverrideBehaviour.LocalOnly), offline: true, logger: cat.createConsoleLogger(cat.LogLevel.Off) });
  trackConfigCatEvaluations(ccClient, sink);
  await ccClient.getValueAsync('cc-flag', false, { identifier: 'u' });
  ccClient.dispose();

  console.log(JSON.stringify(events.map((e) => [e.userKey, e.key, e.variation, e.metadata.provider])));
`)}`;
}
const FLAG_SDK_EVENTS = [
  ['u', 'ld-flag', '0', 'launchdarkly'],
  ['u', 'un-flag', 'enabled', 'unleash'],
  ['u', 'gb-flag', 'defaultValue', 'growthbook'],
  ['u', 'cc-flag', 'true', 'configcat'],
];

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: userEnv() });
}

describe('the packed package in a fresh project', function () {
  this.timeout(180_000);
  let project: string;
  let files: string[];

  before(() => {
    project = mkdtempSync(join(tmpdir(), 'ff-webhook-user-'));
    const packed = packOnce();
    files = packed.files;
    assert.ok(files.every((file) => !file.startsWith('src/') && !file.startsWith('test/')), 'only built files ship');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-app', private: true }));
    run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        packed.tarball,
        ...pinned(peers),
      ],
      project,
    );
  });

  it('ships a LICENSE, the CLI once, events.ndjson, and no source map', () => {
    assert.ok(files.includes('LICENSE'));
    assert.match(readFileSync(join(project, 'node_modules/ff-webhook-exporter/LICENSE'), 'utf8'), /Apache License\s+Version 2\.0/);
    assert.ok(files.includes('examples/events.ndjson'));
    assert.deepEqual(files.filter((file) => file.endsWith('.map')), []);
    assert.deepEqual(files.filter((file) => file.endsWith('cli/main.js')), ['dist/cjs/src/cli/main.js']);
  });

  it('says where it comes from: repository, homepage and bugs', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/ff-webhook-exporter/package.json'), 'utf8')) as Record<string, unknown>;
    assert.match((manifest.repository as { url?: string } | undefined)?.url ?? '', /^git\+https:\/\/github\.com\/.+\.git$/);
    assert.match(String(manifest.homepage), /^https:\/\/github\.com\/.+#readme$/);
    assert.match((manifest.bugs as { url?: string } | undefined)?.url ?? '', /^https:\/\/github\.com\/.+\/issues$/);
    assert.equal(manifest.license, 'Apache-2.0');
  });

  it('runs as npx ff-webhook-exporter too', () => {
    assert.match(run('npx', ['--no-install', 'ff-webhook-exporter', '--help'], project), /demo/);
  });

  it('npx of the package in an empty directory runs the CLI: the bin named like the package', () => {
    // What `npx ff-webhook-exporter --help` does once published: npx picks, among the
    // package's bins, the one named like the package. A tarball spec stands in for the registry.
    const empty = mkdtempSync(join(tmpdir(), 'ff-webhook-empty-'));
    try {
      assert.match(run('npx', ['--yes', '--prefer-offline', `file:${packOnce().tarball}`, '--help'], empty), /^Usage: ff-webhook <command>/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('tree-shakes: a bundle of verifySignature alone holds no axios or OTel code', () => {
    writeFileSync(join(project, 'verify.mjs'), "import { verifySignature } from 'ff-webhook-exporter'; console.log(verifySignature('b', 's', 'x'));");
    const esbuild = join(root, 'node_modules/.bin/esbuild');
    const bundle = run(esbuild, ['verify.mjs', '--bundle', '--platform=node', '--format=esm'], project);
    assert.ok(bundle.length < 1024, `under 1 kB, as issue 10 asks: the bundle is ${bundle.length} bytes`);
    assert.doesNotMatch(bundle, /axios|opentelemetry/);
  });

  it('a fetch runtime (Workers, edge) bundling createFetchReceiver from the package root gets no node: built-in, axios or OTel', () => {
    writeFileSync(
      join(project, 'worker.mjs'),
      "import { createFetchReceiver } from 'ff-webhook-exporter'; export default { fetch: createFetchReceiver({ secret: 's', onBatch() {} }) };",
    );
    const esbuild = join(root, 'node_modules/.bin/esbuild');
    // Resolved as Wrangler resolves a Worker (browser platform, workerd/worker/browser conditions); node: built-ins
    // are left as imports, so only tree-shaking can keep them out.
    const bundle = run(
      esbuild,
      ['worker.mjs', '--bundle', '--platform=browser', '--conditions=workerd,worker,browser', '--format=esm', '--external:node:*'],
      project,
    );
    assert.doesNotMatch(bundle, /from\s*"node:|require\("node:|axios|opentelemetry/);
    assert.match(bundle, /webhook-signature/);
  });

  after(() => rmSync(project, { recursive: true, force: true }));

  it('delivers signed events end to end through the ESM entry point', () => {
    const program = `
      import http from 'node:http';
      import { BatchProcessor, WebhookExporter, createReceiver } from 'ff-webhook-exporter';
      const received = [];
      const server = http.createServer(createReceiver({ secret: 's', onBatch: (p) => { received.push(...p.events); } }));
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const exporter = new WebhookExporter({ endpointUrl: 'http://127.0.0.1:' + server.address().port + '/', secret: 's' });
      const processor = new BatchProcessor(exporter, { maxEventInMemory: 10 });
      for (let i = 0; i < 25; i++) processor.add({ kind: 'feature', userKey: 'u' + i, creationDate: 1, key: 'k', variation: 'on', value: i, default: false });
      await processor.shutdown();
      server.close();
      console.log(JSON.stringify({ received: received.length, delivered: processor.stats().delivered }));
    `;
    writeFileSync(join(project, 'esm.mjs'), program);
    assert.deepEqual(JSON.parse(run('node', ['esm.mjs'], project)), { received: 25, delivered: 25 });
  });

  it('loads every entry point through require, and the core loads no SDK', () => {
    const program = `
      const core = require('ff-webhook-exporter');
      const loaded = Object.keys(require.cache);
      const sdk = loaded.filter((f) => /@openfeature|sdk-logs|api-logs/.test(f));
      const { FeatureEventHook } = require('ff-webhook-exporter/openfeature');
      const otel = require('ff-webhook-exporter/otel');
      const flagAdapters = ${JSON.stringify(flagAdapters)};
      const adapters = {};
      for (const [name, names] of Object.entries(flagAdapters)) {
        const entry = require('ff-webhook-exporter/' + name);
        adapters[name] = names.map((n) => typeof entry[n]).join();
      }
      console.log(JSON.stringify({
        core: typeof core.BatchProcessor + typeof core.WebhookExporter + typeof core.createReceiver + typeof core.sign,
        sdk, hook: typeof FeatureEventHook,
        otel: typeof otel.WebhookLogRecordExporter + typeof otel.OtelLogsExporter,
        adapters,
        version: core.VERSION,
      }));
    `;
    writeFileSync(join(project, 'cjs.cjs'), program);
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    assert.deepEqual(JSON.parse(run('node', ['cjs.cjs'], project)), {
      core: 'functionfunctionfunctionfunction',
      sdk: [],
      hook: 'function',
      otel: 'functionfunction',
      adapters: { launchdarkly: 'function', unleash: 'function', growthbook: 'function', configcat: 'function' },
      version,
    });
  });

  it('imports the flag-SDK entry points by import without their SDKs installed, and they record', () => {
    for (const sdk of flagSdks) {
      assert.throws(() => require.resolve(sdk, { paths: [project] }), { code: 'MODULE_NOT_FOUND' }, `${sdk} is not installed`);
    }
    const program = `
      import { LaunchDarklyEventHook } from 'ff-webhook-exporter/launchdarkly';
      import { trackUnleashImpressions } from 'ff-webhook-exporter/unleash';
      import { growthBookCallbacks } from 'ff-webhook-exporter/growthbook';
      import { trackConfigCatEvaluations } from 'ff-webhook-exporter/configcat';
      const events = [];
      const sink = { add: (e) => events.push(e) };
      const emitter = () => { let listener; return { on: (_n, l) => { listener = l; }, off: () => { listener = undefined; }, emit: (x) => listener?.(x) }; };
      new LaunchDarklyEventHook(sink).afterEvaluation({ flagKey: 'ld-flag', context: { key: 'u' } }, {}, { value: true, variationIndex: 0, reason: { kind: 'FALLTHROUGH' } });
      const unleash = emitter();
      trackUnleashImpressions(unleash, sink);
      unleash.emit({ eventType: 'isEnabled', context: { userId: 'u' }, enabled: true, featureName: 'un-flag' });
      growthBookCallbacks(sink).onFeatureUsage('gb-flag', { value: true, source: 'defaultValue', ruleId: '' }, { attributes: { id: 'u' } });
      const configcat = emitter();
      trackConfigCatEvaluations(configcat, sink);
      configcat.emit({ key: 'cc-flag', value: true, user: { identifier: 'u' }, isDefaultValue: false, errorCode: 0 });
      console.log(JSON.stringify(events.map((e) => [e.userKey, e.key, e.variation, e.metadata.provider])));
    `;
    writeFileSync(join(project, 'flag-adapters.mjs'), program);
    assert.deepEqual(JSON.parse(run('node', ['flag-adapters.mjs'], project)), FLAG_SDK_EVENTS);
  });

  describe('with the flag SDKs installed', () => {
    before(() => {
      run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...flagSdks.map((sdk) => `${sdk}@${installedVersion(sdk)}`)], project);
    });

    it('each flag-SDK adapter records the real SDK through import', () => {
      const imports = `
        import * as ld from '@launchdarkly/node-server-sdk';
        import * as un from 'unleash-client';
        import * as gb from '@growthbook/growthbook';
        import * as cat from '@configcat/sdk/node';
        import { LaunchDarklyEventHook } from 'ff-webhook-exporter/launchdarkly';
        import { trackUnleashImpressions } from 'ff-webhook-exporter/unleash';
        import { growthBookCallbacks } from 'ff-webhook-exporter/growthbook';
        import { trackConfigCatEvaluations } from 'ff-webhook-exporter/configcat';`;
      writeFileSync(join(project, 'flag-sdks.mjs'), flagSdkProgram(imports, (body) => body));
      assert.deepEqual(JSON.parse(run('node', ['flag-sdks.mjs'], project)), FLAG_SDK_EVENTS);
    });

    it('each flag-SDK adapter records the real SDK through require', () => {
      const imports = `
        const ld = require('@launchdarkly/node-server-sdk');
        const un = require('unleash-client');
        const gb = require('@growthbook/growthbook');
        const cat = require('@configcat/sdk/node');
        const { LaunchDarklyEventHook } = require('ff-webhook-exporter/launchdarkly');
        const { trackUnleashImpressions } = require('ff-webhook-exporter/unleash');
        const { growthBookCallbacks } = require('ff-webhook-exporter/growthbook');
        const { trackConfigCatEvaluations } = require('ff-webhook-exporter/configcat');`;
      const wrap = (body: string) => `(async () => {${body}})().catch((err) => { console.error(err); process.exit(1); });`;
      writeFileSync(join(project, 'flag-sdks.cjs'), flagSdkProgram(imports, wrap));
      assert.deepEqual(JSON.parse(run('node', ['flag-sdks.cjs'], project)), FLAG_SDK_EVENTS);
    });
  });

  it('ships types that a strict TypeScript project compiles against', () => {
    writeFileSync(
      join(project, 'typed.ts'),
      `
      import { BatchProcessor, WebhookExporter, type FeatureEvent, type ProcessorStats } from 'ff-webhook-exporter';
      import { FeatureEventHook } from 'ff-webhook-exporter/openfeature';
      import { WebhookLogRecordExporter, OtelLogsExporter } from 'ff-webhook-exporter/otel';
      import { LaunchDarklyEventHook } from 'ff-webhook-exporter/launchdarkly';
      import { trackUnleashImpressions, type UnleashEventSource } from 'ff-webhook-exporter/unleash';
      import { growthBookCallbacks, type GrowthBookCallbacks } from 'ff-webhook-exporter/growthbook';
      import { trackConfigCatEvaluations, type ConfigCatHookSource } from 'ff-webhook-exporter/configcat';
      const processor = new BatchProcessor(new WebhookExporter({ endpointUrl: 'http://127.0.0.1:1/' }));
      const event: FeatureEvent = { kind: 'feature', userKey: 'u', creationDate: 1, key: 'k', variation: 'v', value: 1, default: false };
      processor.add(event);
      const stats: ProcessorStats = processor.stats();
      const callbacks: GrowthBookCallbacks = growthBookCallbacks(processor, { source: 'S' });
      export const used = [stats, new FeatureEventHook(processor), WebhookLogRecordExporter, OtelLogsExporter, new LaunchDarklyEventHook(processor), callbacks];
      export function track(unleash: UnleashEventSource, configcat: ConfigCatHookSource): Array<() => void> {
        return [trackUnleashImpressions(unleash, processor), trackConfigCatEvaluations(configcat, processor, { metadata: { env: 'x' } })];
      }
      `,
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    for (const mode of ['node16', 'bundler']) {
      const args = ['--noEmit', '--strict', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types')];
      const module = mode === 'node16' ? ['--module', 'node16', '--moduleResolution', 'node16'] : ['--module', 'esnext', '--moduleResolution', 'bundler'];
      const result = spawnSync(process.execPath, [tsc, ...args, ...module, 'typed.ts'], { cwd: project, encoding: 'utf8' });
      assert.equal(result.status, 0, `${mode}: ${result.stdout}${result.stderr}`);
    }
  });

  it('runs the ff-webhook bin: help, and the demo end to end', () => {
    const bin = join(project, 'node_modules/.bin/ff-webhook');
    assert.match(run(bin, ['--help'], project), /demo/);
    const demo = spawnSync(bin, ['demo', '--events', '500'], { cwd: project, encoding: 'utf8' });
    assert.equal(demo.status, 0, demo.stderr);
    assert.match(demo.stdout + demo.stderr, /500/);
  });
});
