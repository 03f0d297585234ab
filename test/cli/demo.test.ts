import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, ensureBuilt, ROOT, runCli } from './helpers.js';

/** The number captured by `pattern` in the summary. */
function figure(stdout: string, pattern: RegExp): number {
  const match = pattern.exec(stdout);
  assert.ok(match, `no ${pattern} in:\n${stdout}`);
  return Number(match[1]);
}

describe('ff-webhook demo (built bin)', function () {
  this.timeout(20_000);

  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
  });

  it('--events 2000 exits 0 with a summary whose numbers add up', async () => {
    const result = await runCli(['demo', '--events', '2000']);
    assert.equal(result.code, 0, result.stderr);
    const { stdout } = result;
    assert.match(stdout, /^demo: 2000 evaluations in [\d.]+ s \(\d+ events\/s\), delivered to the embedded receiver at http:\/\/127\.0\.0\.1:\d+$/m);
    const accepted = figure(stdout, /^ {2}accepted +(\d+)$/m);
    const delivered = figure(stdout, /^ {2}delivered +(\d+) in \d+ batch/m);
    const batches = figure(stdout, /^ {2}delivered +\d+ in (\d+) batch(?:es)? \(signed\)$/m);
    const dropped = figure(stdout, /^ {2}dropped +(\d+) /m);
    const [, overflow, invalid, shutdown] = /\(overflow (\d+), invalid (\d+), shutdown (\d+)\)/.exec(stdout)?.map(Number) ?? [];
    const received = figure(stdout, /^ {2}received +(\d+) events? in/m);
    const receivedBatches = figure(stdout, /in (\d+) batch(?:es)?, \d+ signatures verified/);
    const verified = figure(stdout, /(\d+) signatures verified, 0 rejected/);
    const equation = /accepted = delivered \+ dropped: (\d+) = (\d+) \+ (\d+) \(reconciled\)/.exec(stdout)?.slice(1).map(Number);

    assert.equal(accepted, 2000); // one event per evaluation
    assert.equal(accepted, delivered + dropped);
    assert.equal(dropped, overflow + invalid + shutdown);
    assert.equal(delivered, 2000);
    assert.equal(received, delivered);
    assert.equal(receivedBatches, batches);
    assert.equal(verified, batches); // every batch was signed and checked
    assert.deepEqual(equation, [accepted, delivered, dropped]);
    assert.equal(result.stderr, ''); // no progress line when stderr is not a terminal
  });

  it('without @openfeature/server-sdk says how to install it and exits 1, while send still runs', async function () {
    this.timeout(30_000);
    // A copy of the built package whose node_modules has everything but @openfeature.
    const dir = mkdtempSync(join(tmpdir(), 'ff-webhook-no-of-'));
    try {
      cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
      cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
      mkdirSync(join(dir, 'node_modules'));
      for (const name of readdirSync(join(ROOT, 'node_modules'))) {
        if (name.startsWith('.') || name === '@openfeature') continue;
        symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
      }
      const run = (args: string[]) => collect(spawn(process.execPath, [join(dir, 'bin', 'ff-webhook.cjs'), ...args], { cwd: dir }));

      const demo = await run(['demo', '--events', '10']);
      assert.equal(demo.code, 1);
      assert.match(demo.stderr, /npm install @openfeature\/server-sdk/);
      const help = await run(['send', '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /Usage: ff-webhook send/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
