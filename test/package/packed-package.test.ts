import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packOnce, pinned, ROOT as root, userEnv } from '../support/packed.js';

/**
 * The package as a user meets it: `npm pack`, installed into a fresh project
 * with its peers, used through its public entry points and its bin.
 */
const peers = ['@opentelemetry/api', '@opentelemetry/core', '@opentelemetry/sdk-logs', '@openfeature/server-sdk'];

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
      console.log(JSON.stringify({
        core: typeof core.BatchProcessor + typeof core.WebhookExporter + typeof core.createReceiver + typeof core.sign,
        sdk, hook: typeof FeatureEventHook,
        otel: typeof otel.WebhookLogRecordExporter + typeof otel.OtelLogsExporter,
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
      version,
    });
  });

  it('ships types that a strict TypeScript project compiles against', () => {
    writeFileSync(
      join(project, 'typed.ts'),
      `
      import { BatchProcessor, WebhookExporter, type FeatureEvent, type ProcessorStats } from 'ff-webhook-exporter';
      import { FeatureEventHook } from 'ff-webhook-exporter/openfeature';
      import { WebhookLogRecordExporter, OtelLogsExporter } from 'ff-webhook-exporter/otel';
      const processor = new BatchProcessor(new WebhookExporter({ endpointUrl: 'http://127.0.0.1:1/' }));
      const event: FeatureEvent = { kind: 'feature', userKey: 'u', creationDate: 1, key: 'k', variation: 'v', value: 1, default: false };
      processor.add(event);
      const stats: ProcessorStats = processor.stats();
      export const used = [stats, new FeatureEventHook(processor), WebhookLogRecordExporter, OtelLogsExporter];
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
