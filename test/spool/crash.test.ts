import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import { build } from 'esbuild';
import { Spool } from '../../src/spool/spool.js';
import { createPrng, seedFromEnv, type Prng } from '../reliability/support/prng.js';
import type { ReadyLine } from './fixtures/crash-protocol.js';
import { fixture, removeAll, tempDir } from './support/spool-fixtures.js';

type KillPlan =
  | { kind: 'random'; afterMs: number }
  | { kind: 'write'; onCommit: number }
  | { kind: 'delivery'; onRequest: number; answered: boolean };

interface RunOutcome {
  durable: number;
  added: number;
  ready?: ReadyLine;
  killedWriting: boolean;
  killedDelivering: boolean;
  killedAfterAnswer: boolean;
  done: boolean;
}

/** The receiver: what arrived under which webhook-id, and a hook to kill the child mid-delivery. */
class Receiver {
  readonly idOf = new Map<string, string>();
  readonly conflicts: string[] = [];
  readonly seenIds = new Set<string>();
  redeliveries = 0;
  inFlight = 0;
  /** Per request of the current run: how to answer it. */
  decide: () => 'fail' | 'ok' | 'kill' | 'ok-then-kill' = () => 'ok';
  kill: () => void = () => undefined;
  private server!: http.Server;

  constructor(private readonly prng: Prng) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.inFlight++;
    res.on('close', () => this.inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const action = this.decide();
      if (action === 'fail') return void res.writeHead(503).end();
      this.record(String(req.headers['webhook-id']), JSON.parse(Buffer.concat(chunks).toString()) as { events: Array<{ userKey: string }> });
      if (action === 'kill') {
        this.kill(); // the child dies with the request unanswered: it got here, the child cannot know
        return;
      }
      setTimeout(() => res.writeHead(200).end(() => action === 'ok-then-kill' && this.kill()), this.prng.int(0, 15));
    });
  }

  private record(id: string, body: { events: Array<{ userKey: string }> }): void {
    if (this.seenIds.has(id)) this.redeliveries++;
    this.seenIds.add(id);
    for (const { userKey } of body.events) {
      const first = this.idOf.get(userKey);
      if (first === undefined) this.idOf.set(userKey, id);
      else if (first !== id) this.conflicts.push(`${userKey} under ${first} and ${id}`);
    }
  }
}

function planKill(prng: Prng): KillPlan {
  const kind = prng.weighted([
    ['random', 3],
    ['write', 3],
    ['delivery', 4],
  ] as const);
  if (kind === 'random') return { kind, afterMs: prng.int(20, 300) };
  if (kind === 'write') return { kind, onCommit: prng.int(1, 8) };
  return { kind, onRequest: prng.int(1, 3), answered: prng.chance(0.3) };
}

/** Bundled once, so each of the many restarts costs a plain `node` start, not a TypeScript compile. */
async function bundle(name: string, outDir: string): Promise<string> {
  const outfile = path.join(outDir, name.replace(/\.mts$/, '.cjs'));
  await build({ entryPoints: [fixture(name)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'silent' });
  return outfile;
}

async function runChild(
  program: string,
  args: string[],
  receiver: Receiver,
  prng: Prng,
  plan: KillPlan | 'final',
): Promise<RunOutcome> {
  const outcome: RunOutcome = { durable: 0, added: 0, killedWriting: false, killedDelivering: false, killedAfterAnswer: false, done: false };
  const child = spawn(process.execPath, [program, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let killed = false;
  let writing = false;
  let commits = 0;
  let requests = 0;
  const kill = (afterAnswer = false): void => {
    if (killed) return;
    killed = true;
    outcome.killedWriting = writing;
    outcome.killedDelivering = receiver.inFlight > 0 && !afterAnswer;
    outcome.killedAfterAnswer = afterAnswer;
    child.kill('SIGKILL');
  };
  receiver.kill = () => kill(plan !== 'final' && plan.kind === 'delivery' && plan.answered);
  receiver.decide = () => {
    if (plan === 'final') return 'ok';
    requests++;
    if (plan.kind === 'delivery' && requests === plan.onRequest) return plan.answered ? 'ok-then-kill' : 'kill';
    return prng.chance(0.15) ? 'fail' : 'ok';
  };
  // A trigger that never comes (no commit or request that late) falls back to a plain kill.
  const fallback = plan === 'final' ? undefined : setTimeout(() => kill(), 3_000);
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.startsWith('ready ')) {
        outcome.ready = JSON.parse(line.slice(6)) as ReadyLine;
        if (plan !== 'final' && plan.kind === 'random') setTimeout(() => kill(), plan.afterMs);
      } else if (line === 'commit') {
        writing = true;
        commits++;
        if (plan !== 'final' && plan.kind === 'write' && commits === plan.onCommit) kill();
      } else if (line.startsWith('durable ')) {
        writing = false;
        const [durable, added] = line.slice(8).split(' ').map(Number) as [number, number];
        outcome.durable = Math.max(outcome.durable, durable);
        outcome.added = Math.max(outcome.added, added);
      } else if (line === 'done') {
        outcome.done = true;
      }
    }
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(fallback);
  if (plan === 'final') assert.equal(code, 0, `final run failed: ${stderr}`);
  else assert.equal(signal, 'SIGKILL', `run ended by itself (code ${code}): ${stderr}`);
  return outcome;
}

/**
 * SIGKILLs a child that adds events at a steady rate and delivers them to a
 * real receiver, at seeded moments, then restarts it on the same directory;
 * a last run delivers what is left. Every event durable before its kill must
 * arrive, and an event may arrive more than once only under one webhook-id.
 * `SPOOL_CRASH_SEED` replays a run; `SPOOL_CRASH_KILLS` sets the kills (default 50).
 */
async function crashTest(program: string, directory: string): Promise<string> {
  const seed = seedFromEnv('SPOOL_CRASH_SEED');
  const prng = createPrng(seed);
  const kills = Number(process.env.SPOOL_CRASH_KILLS ?? 50);
  const receiver = new Receiver(prng);
  const url = await receiver.start();
  try {
    const runs: RunOutcome[] = [];
    for (let run = 0; run < kills; run++) runs.push(await runChild(program, [directory, url, String(run)], receiver, prng, planKill(prng)));
    const last = await runChild(program, [directory, url, String(kills), 'final'], receiver, prng, 'final');
    assert.equal(last.done, true);

    const missing: string[] = [];
    runs.forEach((run, r) => {
      for (let k = 0; k < run.durable; k++) if (!receiver.idOf.has(`${r}:${k}`)) missing.push(`${r}:${k}`);
    });
    const totals = {
      seed,
      kills,
      duringCommit: runs.filter((r) => r.killedWriting).length,
      duringDelivery: runs.filter((r) => r.killedDelivering).length,
      rightAfterDelivery: runs.filter((r) => r.killedAfterAnswer).length,
      added: runs.reduce((n, r) => n + r.added, 0),
      durableAtKill: runs.reduce((n, r) => n + r.durable, 0),
      delivered: receiver.idOf.size,
      sameIdRedeliveries: receiver.redeliveries,
      countedCorrupt: [...runs, last].reduce((n, r) => n + (r.ready?.corrupt ?? 0), 0),
    };
    const summary = `crash test ${JSON.stringify(totals)}`;
    assert.deepEqual(missing.slice(0, 20), [], `${missing.length} durable events never delivered; ${summary}`);
    assert.deepEqual(receiver.conflicts.slice(0, 20), [], `events delivered under two ids; ${summary}`);
    const several = Math.ceil(kills / 10);
    assert.ok(totals.duringCommit >= several, `only ${totals.duringCommit} kills during a commit; ${summary}`);
    assert.ok(totals.duringDelivery >= several, `only ${totals.duringDelivery} kills during a delivery; ${summary}`);
    assert.ok(totals.durableAtKill > 0 && totals.added >= totals.durableAtKill, summary);
    const after = Spool.open({ directory });
    assert.deepEqual(after.recovered, [], 'the last run delivered everything');
    await after.close();
    const stray = fs.readdirSync(directory).filter((name) => !/^\d{16}\.seg$/.test(name));
    assert.deepEqual(stray, ['COMMITTED'], 'no lock, nothing moved aside');
    return summary;
  } finally {
    await receiver.stop();
  }
}

describe('Spool: crash test (SIGKILL at seeded moments, restart on the same directory)', function () {
  this.timeout(600_000);
  const made: string[] = [];
  let outDir: string;

  before(() => {
    outDir = tempDir(made);
  });

  after(() => removeAll(made));

  it('the spool driven as the processor drives it: every durable event delivered, duplicates only under the same webhook-id', async () => {
    const program = await bundle('crash-driver.mts', outDir);
    const summary = await crashTest(program, path.join(outDir, 'spool-driver'));
    console.log(`      ${summary}`);
  });

  it('BatchProcessor with a spool and a WebhookExporter: the same guarantees', async () => {
    const program = await bundle('crash-processor.mts', outDir);
    const summary = await crashTest(program, path.join(outDir, 'spool-processor'));
    console.log(`      ${summary}`);
  });
});
