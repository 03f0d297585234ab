import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { verifySignature } from '../../src/signature.js';
import { deadPort, readBody, startServer, type TestServer } from './support/helpers.js';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Runs a fixture under tsx; kills it (and so fails the test) if it has not exited after `limitMs`. */
function run(file: string, args: string[], limitMs: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('process lifetime (SPEC §4 rules 1 and 9)', function () {
  this.timeout(20_000);
  const servers: TestServer[] = [];

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('a program that never shuts its processor down exits by itself, with a failing endpoint and a backoff pending', async () => {
    const port = await deadPort();
    const exit = await run(fixture('never-shutdown.mts'), [String(port)], 10_000);
    assert.equal(exit.signal, null, `killed after ${exit.ms} ms: a timer kept the process alive\n${exit.stdout}${exit.stderr}`);
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /added/);
    assert.match(exit.stdout, /failed once/, 'the scenario reached a failed export and a backoff');
    assert.ok(exit.ms < 5_000, `exited after ${exit.ms} ms`);
  });

  it("an exporter's retry wait never keeps a program alive: it exits during the wait, before a second attempt", async () => {
    let requests = 0;
    const server = await startServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(503, { 'Retry-After': '5' }).end();
    });
    servers.push(server);
    const exit = await run(fixture('retry-wait-exit.mts'), [`${server.url}/hook`], 15_000);
    assert.equal(exit.signal, null, `killed after ${exit.ms} ms: the retry wait kept the process alive\n${exit.stdout}${exit.stderr}`);
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /waiting to retry/, 'the first attempt was answered 503 and a retry wait began');
    assert.equal(requests, 1, 'a ref\'d wait would have held the process for 5 s and tried again');
    assert.doesNotMatch(exit.stdout, /export ended/);
  });

  it('`await processor.shutdown()` as the last line finishes delivery, through a Retry-After wait, before exiting', async () => {
    const bodies: Buffer[] = [];
    const server = await startServer((req, res) => {
      void readBody(req).then((body) => {
        assert.equal(verifySignature(body, 'fixture-secret', String(req.headers['x-hub-signature-256'])), true);
        bodies.push(body);
        // The first attempt is told to come back in 1 s: only the shutdown hold keeps the child alive meanwhile.
        if (bodies.length === 1) res.writeHead(503, { 'Retry-After': '1' }).end();
        else res.writeHead(204).end();
      });
    });
    servers.push(server);
    const exit = await run(fixture('shutdown-last-line.mts'), [`${server.url}/hook`], 15_000);
    assert.equal(exit.signal, null, exit.stderr);
    assert.equal(exit.code, 0, `exit code ${String(exit.code)}: ${exit.stderr}`);
    assert.equal(bodies.length, 2);
    const stats = JSON.parse(/stats (.*)/.exec(exit.stdout)?.[1] ?? '{}') as { delivered?: number; pending?: number };
    assert.equal(stats.delivered, 3, exit.stdout);
    assert.equal(stats.pending, 0);
  });
});
