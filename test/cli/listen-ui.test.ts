/**
 * Drives the live page of `listen --ui` in real headless Chromium (Debian's
 * `chromium`, which .ci/run installs); skipped, saying so, when it is missing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { ensureBuilt, featureEvent, ListenProcess, ndjson, runCli } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('ff-webhook listen --ui (headless Chromium)', function () {
  this.timeout(30_000);
  let listen: ListenProcess | undefined;
  let context: BrowserContext | undefined;
  let profile = '';

  before(async function () {
    this.timeout(180_000);
    if (!existsSync(CHROMIUM)) {
      console.log(`    (skipped: no browser at ${CHROMIUM}; .ci/run installs Debian's chromium)`);
      this.skip();
    }
    await ensureBuilt();
  });
  afterEach(async () => {
    await context?.close();
    await listen?.stop('SIGKILL');
    if (profile !== '') rmSync(profile, { recursive: true, force: true });
  });

  it('shows the exact counts per flag and variation, the latest events and a signature failure', async () => {
    listen = await ListenProcess.start(['--ui', '--secret', 'right']);
    profile = mkdtempSync(join(tmpdir(), 'ff-webhook-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    await page.goto(`http://127.0.0.1:${listen.port}/`);
    await page.waitForSelector('#status.live');

    const checkout = Array.from({ length: 7 }, (_, i) => featureEvent(i)); // new-checkout on: 0,2,4,6; off: 1,3,5
    const banner = Array.from({ length: 5 }, (_, i) => ({ ...featureEvent(10 + i), key: 'banner-color', variation: i < 3 ? 'red' : 'blue', value: i < 3 ? 'red' : 'blue' }));
    for (const events of [checkout, banner]) {
      const good = await runCli(['send', '--endpoint', listen.url, '--secret', 'right', '--meta', 'env=test'], { input: ndjson(events) });
      assert.equal(good.code, 0, good.stderr);
    }
    const bad = await runCli(['send', '--endpoint', listen.url, '--secret', 'wrong'], { input: ndjson([featureEvent(9)]) });
    assert.equal(bad.code, 1);

    await page.waitForSelector('#failures:text-is("1")'); // selectors, not page functions: the page's CSP forbids eval
    await page.waitForSelector('#events:text-is("12")');
    assert.equal(await page.textContent('#batches'), '2');
    const rows = await page.$$eval('#totals tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-flag'), tr.getAttribute('data-variation'), tr.querySelector('.count')?.textContent]));
    const expected = [['banner-color', 'blue', '2'], ['banner-color', 'red', '3'], ['new-checkout', 'off', '3'], ['new-checkout', 'on', '4']];
    assert.deepEqual(rows, expected);
    const lines = await page.$$eval('#chart polyline', (ps) => ps.map((p) => [p.getAttribute('data-flag'), p.getAttribute('data-variation'), p.getAttribute('data-total')]));
    assert.deepEqual(lines, expected);
    const latest = await page.$$eval('#latest tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent)));
    assert.equal(latest.length, 12);
    assert.deepEqual(latest[0].slice(0, 4), ['banner-color', 'blue', 'user-14', 'blue']);
    assert.deepEqual(latest[5].slice(0, 4), ['new-checkout', 'on', 'user-6', 'true']);
    assert.match(latest[0][4] ?? '', /"env":"test"/);
    assert.ok(await page.$eval('#failures-tile', (tile) => tile.classList.contains('bad')));
    // Batch sizes 7 and 5: the axis goes to 8 in steps of 2, every label exact (not 2.5 shown as 3).
    const sizeTicks = await page.$$eval('#size-chart text', (texts) => texts.map((t) => t.textContent).filter((t) => /^[\d,]+$/.test(t ?? '')));
    assert.deepEqual(sizeTicks, ['0', '2', '4', '6', '8']);
    assert.deepEqual(await page.$$eval('#size-chart rect', (rects) => rects.map((r) => r.getAttribute('data-value'))), ['7', '5']);

    await page.fill('#filter', 'banner');
    await page.waitForSelector('#totals tbody tr[data-flag="new-checkout"]', { state: 'detached' });
    assert.deepEqual(await page.$$eval('#totals tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-flag'))), ['banner-color', 'banner-color']);
    assert.deepEqual(await page.$$eval('#chart polyline', (ps) => ps.map((p) => p.getAttribute('data-variation'))), ['blue', 'red']);
    assert.equal(await page.locator('#latest tbody tr').count(), 5);
    await page.fill('#filter', 'nothing-matches');
    await page.waitForSelector('#totals-empty:not(.hidden)');
    assert.equal(await page.locator('#totals tbody tr').count(), 0);
    assert.deepEqual(errors, []); // no CSP violation or script error
  });
});
