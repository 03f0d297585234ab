/**
 * The README's recipes work when pasted (issue 10): every TypeScript block in the
 * README is in an example file, every example imports the package by its name, and
 * every example runs against the packed package installed in a fresh project with
 * the README's own `npm install` lines (bare names pinned to the versions installed
 * here, so the run is the same offline and on another OpenTelemetry line).
 */
import { strict as assert } from 'node:assert';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createReceiver, type WebhookPayload } from '../../src/index.js';
import { installedVersion, packOnce, pinned, ROOT, userEnv } from '../support/packed.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const EXAMPLES = readdirSync(join(ROOT, 'examples')).filter((name) => name.endsWith('.ts'));
const source = (name: string): string => readFileSync(join(ROOT, 'examples', name), 'utf8');

/** The fenced blocks of the README in a language. */
function blocks(language: string): string[] {
  return [...README.matchAll(new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm'))].map((match) => match[1]!);
}

/** Package lists of every `npm install` in the README's sh blocks (continuation lines joined). */
function installLines(): string[][] {
  const lines: string[][] = [];
  for (const block of blocks('sh')) {
    for (const match of block.replace(/\\\n\s*/g, ' ').matchAll(/npm install((?: +@?[a-z][^\s&;#]*)+)/g)) {
      lines.push(match[1]!.trim().split(/\s+/));
    }
  }
  return lines;
}

/** True when `fragment`'s lines appear, in a row, among `lines` (leading spaces aside). */
function containsRun(lines: readonly string[], fragment: readonly string[], from: number): number {
  for (let start = from; start + fragment.length <= lines.length; start++) {
    if (fragment.every((line, i) => lines[start + i] === line)) return start + fragment.length;
  }
  return -1;
}

/** Where `block` is, verbatim but for indentation and `// …` elisions, or undefined. */
function exampleHolding(block: string): string | undefined {
  const fragments: string[][] = [[]];
  for (const line of block.split('\n').map((l) => l.trim())) {
    if (/^\/\/ (…|\.\.\.)/.test(line)) fragments.push([]);
    else fragments.at(-1)!.push(line);
  }
  const pieces = fragments.map((f) => f.join('\n').trim().split('\n')).filter((f) => f.join('') !== '');
  return EXAMPLES.find((name) => {
    const lines = source(name).split('\n').map((l) => l.trim());
    let at = 0;
    for (const piece of pieces) if ((at = containsRun(lines, piece, at)) < 0) return false;
    return true;
  });
}

describe('README recipes are example files', () => {
  it('every TypeScript block of the README is in an example, verbatim', () => {
    const ts = blocks('ts');
    assert.ok(ts.length >= 8, `${ts.length} blocks`);
    for (const block of ts) assert.ok(exampleHolding(block), `no example holds this README block:\n${block}`);
  });

  it('every example imports the package by its name, never by a path into the repository', () => {
    for (const name of EXAMPLES) {
      const imports = [...source(name).matchAll(/^import .* from '([^']+)';$/gm)].map((match) => match[1]!);
      assert.ok(imports.some((from) => from.startsWith('ff-webhook-exporter')), `${name} imports the package`);
      // A sibling example (the shared stand-in receiver) is copied along; nothing outside examples/.
      assert.deepEqual(imports.filter((from) => from.startsWith('.') && !/^\.\/[\w-]+\.js$/.test(from)), [], name);
    }
  });
});

describe('README recipes run against the packed package in fresh projects', function () {
  this.timeout(300_000);
  const run = promisify(execFile);
  const tsx = join(ROOT, 'node_modules/tsx/dist/loader.mjs');
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const projects: string[] = [];
  // What a TypeScript user adds to type-check the examples; the frameworks are the receivers' own.
  const typing = ['typescript', '@types/node', '@types/express'];
  const frameworks = ['express', 'fastify'];

  /** A fresh ES-module project (with `dependencies` already) given the tarball, `specs` and the examples. */
  function project(specs: readonly string[], dependencies: Record<string, string> = {}): string {
    const dir = mkdtempSync(join(tmpdir(), 'ff-webhook-recipes-'));
    projects.push(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module', dependencies }));
    const args = pinned(specs.filter((spec) => spec !== 'ff-webhook-exporter'));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', packOnce().tarball, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: userEnv() });
    cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true, filter: (path) => !path.endsWith('package.json') });
    return dir;
  }
  async function example(dir: string, name: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
    const { stdout } = await run(process.execPath, ['--import', tsx, `examples/${name}`], { cwd: dir, env: { ...process.env, ...env }, timeout: 30_000 });
    return stdout;
  }
  /** tsc, strict, over `names` in the project: the examples type-check against the packed declarations. */
  function typeCheck(dir: string, names: readonly string[]): void {
    const options = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node'];
    const result = spawnSync(process.execPath, [tsc, ...options, ...names.map((name) => `examples/${name}`)], { cwd: dir, encoding: 'utf8' });
    assert.equal(result.status, 0, `tsc: ${result.stdout}${result.stderr}`);
  }
  after(() => {
    for (const dir of projects) rmSync(dir, { recursive: true, force: true });
  });

  describe('installed with the Install section lines', () => {
    let dir: string;
    const names = EXAMPLES.filter((name) => name !== 'otel-sink.ts');
    before(() => {
      const install = installLines().filter((line) => !line.includes('@openfeature/open-telemetry-hooks'));
      assert.deepEqual(install[0], ['ff-webhook-exporter', '@opentelemetry/api', '@opentelemetry/core'], 'the first install line');
      dir = project([...new Set([...install.flat(), ...frameworks, ...typing])]);
    });

    it('the examples type-check against the packed declarations', () => typeCheck(dir, names));

    it('quick-start.ts delivers its event, signed, with meta and headers', async () => {
      const received: Array<{ payload: WebhookPayload; headers: IncomingHttpHeaders }> = [];
      let headers: IncomingHttpHeaders = {};
      const receive = createReceiver({ secret: 'secret-for-signing', onBatch: (payload) => void received.push({ payload, headers }) });
      const server = createServer((req, res) => {
        headers = req.headers;
        receive(req, res);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const stdout = await example(dir, 'quick-start.ts', { WEBHOOK_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
        assert.match(stdout, /^stats: \{"accepted":1,"delivered":1,"pending":0,"inFlight":0,"dropped":\{"overflow":0,"invalid":0,"shutdown":0,"corrupt":0\},"failedExports":0\}$/m);
        assert.equal(received.length, 1);
        assert.equal(received[0]!.payload.meta?.extraInfo, 'info');
        assert.equal(received[0]!.headers.authorization, 'Bearer auth_token');
        assert.deepEqual(received[0]!.payload.events.map((event) => [event.kind, event.key]), [['feature', 'new-checkout']]);
      } finally {
        server.close();
      }
    });

    it('openfeature-hook.ts: four evaluations and one track() call arrive in one signed batch', async () => {
      const stdout = await example(dir, 'openfeature-hook.ts');
      assert.match(stdout, /^received batch [0-9a-f-]{36} with 5 events/m);
      assert.match(stdout, /^stats: \{"accepted":5,"delivered":5,/m);
    });

    it('otel-source.ts: the events become log records', async () => {
      const stdout = await example(dir, 'otel-source.ts');
      assert.equal(stdout.match(/eventName: 'feature_flag\.evaluation'/g)?.length, 4);
      assert.match(stdout, /^stats: \{"emitted":4,/m);
    });

    it('receiver-node.ts: a signed batch saved once, its retry deduplicated, a forged one refused; unset secret throws', async () => {
      assert.equal(await example(dir, 'receiver-node.ts', { WEBHOOK_SECRET: 's3cr3t', PORT: '0' }), 'saved 1 events of batch msg_1\nsigned: 204\nretried: 200\nforged: 401\n');
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
      delete env.WEBHOOK_SECRET;
      await assert.rejects(run(process.execPath, ['--import', tsx, 'examples/receiver-node.ts'], { cwd: dir, env }), (error: { stderr: string }) => {
        assert.match(error.stderr, /TypeError: createReceiver option secret is undefined \(an unset environment variable\?\)/);
        return true;
      });
    });

    it('receiver-express.ts and receiver-fastify.ts: the real frameworks', async () => {
      assert.equal(await example(dir, 'receiver-express.ts'), 'webhook: 1 events\n/webhook answered 204\nhook: 1 events, standard signature\n/hook answered 204\n');
      assert.equal(await example(dir, 'receiver-fastify.ts'), 'hook: 1 events, standard signature\n/hook answered 204\nunsigned answered 401\n');
    });

    it('receiver-fetch.ts: a signed Request accepted, a forged one refused', async () => {
      assert.equal(await example(dir, 'receiver-fetch.ts', { WEBHOOK_SECRET: 's3cr3t' }), 'fetch: 1 events\nPOST answered 204\nPOST answered 401\n');
    });
  });

  describe('installed with the OpenTelemetry sink line, without --legacy-peer-deps', () => {
    let dir: string;
    before(() => {
      const sink = installLines().filter((line) => line.includes('@openfeature/open-telemetry-hooks'));
      assert.equal(sink.length, 1, 'one install line for the OTel sink recipe');
      // An app that already depends on the api-logs sdk-logs uses: the case that ended in ERESOLVE.
      dir = project([...sink[0]!, '@types/node', 'typescript'], { '@opentelemetry/api-logs': `^${installedVersion('@opentelemetry/api-logs')}` });
    });

    it('otel-sink.ts type-checks and delivers what EventHook logs', async () => {
      typeCheck(dir, ['otel-sink.ts']);
      const stdout = await example(dir, 'otel-sink.ts');
      assert.match(stdout, /^received batch [0-9a-f-]{36} with 2 events/m);
      assert.match(stdout, /^stats: \{"converted":2,"ignored":1,"invalid":0/m);
    });
  });
});
