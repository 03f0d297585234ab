import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySignature } from '../../src/signature.js';
import { deadPort, ensureBuilt, featureEvent, ndjson, recordingServer, runCli } from './helpers.js';

interface Body {
  meta: Record<string, string>;
  events: { userKey: string }[];
}

describe('ff-webhook send (built bin)', function () {
  this.timeout(20_000);

  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
  });

  it('exits 1 and says why when nothing listens on the endpoint', async () => {
    const port = await deadPort();
    const result = await runCli(['send', '--endpoint', `http://127.0.0.1:${port}/hook`, '--max-retries', '0'], {
      input: ndjson([featureEvent(1), featureEvent(2)]),
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /delivery failed .*ECONNREFUSED/);
    assert.match(result.stdout, /delivered 0 of 2 events/);
    assert.match(result.stdout, /not delivered 2 \(overflow 0, invalid 0, shutdown 2\)/);
  });

  it('--spool DIR: what a run could not deliver, the next run with the same DIR sends first', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'ff-send-spool-'));
    const server = await recordingServer();
    try {
      const port = await deadPort();
      const down = await runCli(['send', '--endpoint', `http://127.0.0.1:${port}/hook`, '--max-retries', '0', '--spool', directory], {
        input: ndjson([featureEvent(1), featureEvent(2)]),
      });
      assert.equal(down.code, 1);
      const resumed = await runCli(['send', '--endpoint', server.url, '--spool', directory], { input: ndjson([featureEvent(3)]) });
      assert.equal(resumed.code, 0, resumed.stderr);
      const users = server.requests.flatMap((request) => (JSON.parse(request.body) as Body).events.map((event) => event.userKey));
      assert.deepEqual(users, ['user-1', 'user-2', 'user-3']);
    } finally {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('reports both broken lines by number, skips blank lines, delivers the rest and exits 1', async () => {
    const server = await recordingServer();
    try {
      const input = [
        JSON.stringify(featureEvent(1)),
        '{"kind":"feature", oops',
        '',
        '   \t',
        JSON.stringify({ ...featureEvent(2), userKey: 42 }),
        JSON.stringify(featureEvent(3)) + '\r', // CRLF line endings are fine
      ].join('\n');
      const result = await runCli(['send', '--endpoint', server.url], { input });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^line 2: not valid JSON$/m);
      assert.match(result.stderr, /^line 5: invalid event: userKey must be a string$/m);
      assert.match(result.stderr, /2 bad lines skipped/);
      assert.match(result.stdout, /read 6 lines: 2 events, 2 bad, 2 blank/);
      assert.match(result.stdout, /delivered 2 of 2 events in 1 batch /);
      const body = JSON.parse(server.requests[0].body) as Body;
      assert.deepEqual(body.events.map((event) => event.userKey), ['user-1', 'user-3']);
    } finally {
      await server.close();
    }
  });

  it('sends repeated --header values, trims the space after the colon, adds --meta, signs, and never prints them', async () => {
    const server = await recordingServer();
    try {
      const result = await runCli(
        ['send', '--endpoint', server.url, '--secret', 'shh', '--header', 'X-Tenant:  a', '--header', 'x-tenant:b', '--header', 'Authorization: Bearer tok3n', '--meta', 'env=test', '--meta', 'region=eu'],
        { input: ndjson([featureEvent(1)]) },
      );
      assert.equal(result.code, 0, result.stderr);
      const [request] = server.requests;
      assert.equal(request.headers['x-tenant'], 'a, b'); // Node joins a repeated header with ", "
      assert.equal(request.headers.authorization, 'Bearer tok3n');
      assert.ok(verifySignature(request.body, 'shh', request.headers['x-hub-signature-256'] as string));
      const body = JSON.parse(request.body) as Body;
      assert.equal(body.meta.env, 'test');
      assert.equal(body.meta.region, 'eu');
      for (const secret of ['shh', 'tok3n']) assert.ok(!(result.stdout + result.stderr).includes(secret), `${secret} printed`);
    } finally {
      await server.close();
    }
  });

  it('keeps order across many batches and never drops for space (reading waits for the endpoint)', async () => {
    const server = await recordingServer();
    try {
      const events = Array.from({ length: 3_000 }, (_, i) => featureEvent(i));
      const result = await runCli(['send', '--endpoint', server.url, '--max-event-in-memory', '100'], { input: ndjson(events) });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /delivered 3000 of 3000 events in 30 batches/);
      const received = server.requests.flatMap((request) => (JSON.parse(request.body) as Body).events.map((event) => event.userKey));
      assert.deepEqual(received, events.map((event) => event.userKey));
    } finally {
      await server.close();
    }
  });

  it('stops reading when the endpoint keeps failing, rather than buffering the whole input', async () => {
    const server = await recordingServer(500);
    try {
      const events = Array.from({ length: 1_000 }, (_, i) => featureEvent(i));
      const result = await runCli(['send', '--endpoint', server.url, '--max-event-in-memory', '10', '--max-retries', '0'], { input: ndjson(events) });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /stopped reading after line 20: the endpoint kept failing/);
      assert.match(result.stderr, /delivery failed .*500/);
      assert.match(result.stdout, /delivered 0 of 20 events/);
    } finally {
      await server.close();
    }
  });
});
