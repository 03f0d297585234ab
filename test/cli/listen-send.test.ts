import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, featureEvent, ListenProcess, ndjson, runCli } from './helpers.js';

describe('ff-webhook listen + send (built bin)', function () {
  this.timeout(20_000);
  let dir: string;
  let listen: ListenProcess | undefined;

  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ff-webhook-cli-'));
  });
  afterEach(async () => {
    await listen?.stop('SIGKILL');
    listen = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('round trip with a secret: every event lands in the --out file, send exits 0, listen closes cleanly', async () => {
    const out = join(dir, 'out.ndjson');
    listen = await ListenProcess.start(['--secret', 'dev-secret', '--out', out]);
    const events = Array.from({ length: 250 }, (_, i) => featureEvent(i));

    const sent = await runCli(['send', '--endpoint', listen.url, '--secret', 'dev-secret', '--max-event-in-memory', '100'], { input: ndjson(events) });
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /read 250 lines: 250 events, 0 bad, 0 blank/);
    assert.match(sent.stdout, /delivered 250 of 250 events in 3 batches/);
    assert.equal(sent.stderr, '');

    const stopped = await listen.stop('SIGTERM');
    assert.equal(stopped.code, 0, stopped.stderr);
    const batchLines = listen.lines.filter((line) => line.startsWith('batch '));
    assert.equal(batchLines.length, 3);
    for (const line of batchLines) assert.match(line, /^batch id=[0-9a-f-]{36} events=\d+ signature=valid$/);
    assert.deepEqual(batchLines.map((line) => Number(/events=(\d+)/.exec(line)?.[1])), [100, 100, 50]);
    assert.match(listen.lines.at(-1) ?? '', /^closed: 3 batches, 250 events received, 0 requests rejected$/);

    const written = readFileSync(out, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(written.map((event) => event.userKey), events.map((event) => event.userKey));
    const { meta, ...event } = written[0];
    assert.deepEqual(event, { ...events[0], version: '', source: '' }); // as serialized on the wire (SPEC §2)
    assert.equal(typeof (meta as Record<string, unknown>).hostname, 'string'); // the batch's meta beside each event
    assert.ok(!stopped.stdout.includes('dev-secret') && !sent.stdout.includes('dev-secret'), 'the secret is never printed');
  });

  it('appends to an existing --out file', async () => {
    const out = join(dir, 'out.ndjson');
    writeFileSync(out, '{"kept":true}\n');
    listen = await ListenProcess.start(['--out', out]);
    const sent = await runCli(['send', '--endpoint', listen.url], { input: ndjson([featureEvent(1)]) });
    assert.equal(sent.code, 0, sent.stderr);
    await listen.waitForLine(/^batch /);
    assert.match(listen.lines.find((line) => line.startsWith('batch ')) ?? '', /events=1 signature=unchecked$/);
    assert.equal((await listen.stop()).code, 0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.equal(lines[0], '{"kept":true}');
  });

  it('rejects a wrong signature with 401, logs it as invalid, saves nothing; send exits 1 and says why', async () => {
    const out = join(dir, 'out.ndjson');
    listen = await ListenProcess.start(['--secret', 'right', '--out', out]);
    const sent = await runCli(['send', '--endpoint', listen.url, '--secret', 'wrong'], { input: ndjson([featureEvent(1), featureEvent(2)]) });
    assert.equal(sent.code, 1);
    assert.match(sent.stderr, /delivery failed .*401/);
    assert.match(sent.stdout, /delivered 0 of 2 events/);
    const rejected = await listen.waitForLine(/^rejected /);
    assert.match(rejected, /^rejected id=\S+ status=401 signature=invalid$/);
    await listen.stop();
    assert.equal(readFileSync(out, 'utf8'), '');
  });

  it('appends a re-sent batch (same webhook-id) once, and closes on SIGINT with a keep-alive connection open', async () => {
    const out = join(dir, 'out.ndjson');
    listen = await ListenProcess.start(['--out', out]);
    const agent = new Agent({ keepAlive: true });
    const body = JSON.stringify({ meta: {}, events: [featureEvent(1), featureEvent(2)] });
    const post = (): Promise<number> =>
      new Promise((resolvePost, reject) => {
        const req = request(listen?.url ?? '', { method: 'POST', agent, headers: { 'content-type': 'application/json', 'webhook-id': 'batch-1' } }, (res) => {
          res.resume().on('end', () => resolvePost(res.statusCode ?? 0));
        });
        req.on('error', reject).end(body);
      });
    try {
      assert.equal(await post(), 204);
      assert.equal(await post(), 204);
      await listen.waitForLine(/duplicate/);
      const stopped = await listen.stop('SIGINT'); // the agent still holds an idle socket
      assert.equal(stopped.code, 0, stopped.stderr);
    } finally {
      agent.destroy();
    }
    assert.deepEqual(listen.lines.filter((line) => line.startsWith('batch ')), [
      'batch id=batch-1 events=2 signature=unchecked',
      'batch id=batch-1 events=2 signature=unchecked duplicate (already received, not appended)',
    ]);
    assert.equal(readFileSync(out, 'utf8').trimEnd().split('\n').length, 2);
  });

  it('prints meta and per-flag counts under each batch line', async () => {
    listen = await ListenProcess.start([]);
    const events = [featureEvent(0), featureEvent(1), featureEvent(2)];
    const sent = await runCli(['send', '--endpoint', listen.url, '--meta', 'env=dev'], { input: ndjson(events) });
    assert.equal(sent.code, 0, sent.stderr);
    await listen.waitForLine(/^ {2}new-checkout /);
    const at = listen.lines.findIndex((line) => line.startsWith('batch '));
    assert.match(listen.lines[at + 1], /^ {2}meta \{"env":"dev","hostname":"[^"]+"\}$/);
    assert.equal(listen.lines[at + 2], '  new-checkout on=2 off=1');
  });

  it('--json prints one JSON line per batch and per refused request on stdout', async () => {
    listen = await ListenProcess.start(['--json', '--secret', 'right']);
    const good = await runCli(['send', '--endpoint', listen.url, '--secret', 'right'], { input: ndjson([featureEvent(0), featureEvent(1)]) });
    assert.equal(good.code, 0, good.stderr);
    const bad = await runCli(['send', '--endpoint', listen.url, '--secret', 'wrong'], { input: ndjson([featureEvent(2)]) });
    assert.equal(bad.code, 1);
    await listen.waitForLine(/"type":"rejected"/);
    const stopped = await listen.stop();
    const lines = stopped.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    assert.equal(lines[0].type, 'batch');
    assert.equal(lines[0].events, 2);
    assert.equal(lines[0].signature, 'valid');
    assert.deepEqual(lines[0].counts, { 'new-checkout': { off: 1, on: 1 } });
    assert.equal(typeof (lines[0].meta as Record<string, unknown>).hostname, 'string');
    assert.match(String((lines[0].headers as Record<string, unknown>)['content-type']), /application\/json/);
    assert.deepEqual({ type: lines[1].type, status: lines[1].status, reason: lines[1].reason }, { type: 'rejected', status: 401, reason: 'signature=invalid' });
    assert.match(stopped.stderr, /^listening on /m);
    assert.ok(!stopped.stdout.includes('right') && !stopped.stdout.includes('wrong'), 'no secret printed');
  });

  it('reports a busy port and exits 1', async () => {
    listen = await ListenProcess.start([]);
    const second = await runCli(['listen', '--host', '127.0.0.1', '--port', String(listen.port)]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /cannot listen on http:\/\/127\.0\.0\.1:\d+: .*EADDRINUSE/);
  });
});
