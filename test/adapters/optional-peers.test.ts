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
    const blocked = /^@openfeature\\/|^@opentelemetry\\/(sdk-logs|api-logs)(\\/|$)/;
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

describe('optional peers (child processes without them)', () => {
  it('the core loads neither OpenFeature nor the OpenTelemetry logs SDK', async () => {
    const out = (await withoutPeers(`
      const core = require('./src/index.ts');
      return { exports: Object.keys(core).length, loaded: loaded() };
    `)) as { exports: number; loaded: string[] };
    assert.ok(out.exports > 10);
    const sdk = out.loaded.filter((p) => /^@openfeature\/|^@opentelemetry\/(sdk-|api-logs)/.test(p));
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
        { kind: 'feature', contextKind: 'user', userKey: 'u', key: 'k', variation: 'one', value: 1, default: false, source: 'SERVER', metadata: { provider: 'p', reason: 'STATIC' } },
      ],
      openfeature: [],
    });
  });
});
