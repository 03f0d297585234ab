import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LiveSnapshot } from '../../src/cli/ui/live-stats.js';
import { ensureBuilt, ListenProcess, ROOT, runCli, spawnCli } from './helpers.js';

/** `ff-webhook demo --ui` (what `npm start` runs): the live page on the embedded receiver. */
describe('ff-webhook demo --ui (built bin)', function () {
  this.timeout(30_000);
  let demo: ListenProcess | undefined;

  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
  });
  afterEach(async () => {
    await demo?.stop('SIGKILL');
    demo = undefined;
  });

  it('prints the page URL, serves the page and its data while the demo runs, and stays up until a signal', async () => {
    demo = new ListenProcess(spawnCli(['demo', '--ui', '--events', '600', '--rate', '100000']));
    const first = await demo.waitForLine(/^live page: /);
    const url = /^live page: (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(first)?.[1];
    assert.ok(url, `the first line names the page: ${first} ${demo.stderr}`);
    await demo.waitForLine(/stays up; Ctrl-C to stop$/);

    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await page.text(), /<script src="\/app\.js" defer><\/script>/);
    const state = (await (await fetch(`${url}state`)).json()) as LiveSnapshot;
    const delivered = Number(/^ {2}delivered +(\d+) in (\d+) batch/m.exec(demo.lines.join('\n'))?.[1]);
    const batches = Number(/^ {2}delivered +\d+ in (\d+) batch/m.exec(demo.lines.join('\n'))?.[1]);
    assert.equal(delivered, 600);
    assert.equal(state.totals.events, 600);
    assert.equal(state.totals.batches, batches);
    assert.equal(state.totals.signatureFailures, 0);
    assert.equal(state.series.reduce((sum, series) => sum + series.total, 0), 600); // one evaluation, one event
    assert.ok(state.series.some((series) => series.flag === 'new-checkout' && series.variation === 'on'));

    const ended = await demo.stop('SIGTERM');
    assert.equal(ended.code, 0, ended.stderr);
    await assert.rejects(fetch(url), /fetch failed/); // the page went away with the demo
  });

  it('--ui with --endpoint is a usage error: the page belongs to the embedded receiver', async () => {
    const result = await runCli(['demo', '--ui', '--endpoint', 'http://127.0.0.1:9/']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--ui shows the embedded receiver; it cannot be used with --endpoint/);
  });

  it('--rate must be a positive integer', async () => {
    const result = await runCli(['demo', '--rate', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--rate/);
  });
});

describe('npm start', () => {
  it('runs the demo with its live page', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts.start ?? '', /bin\/ff-webhook\.cjs demo --ui$/);
  });
});
