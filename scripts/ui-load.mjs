/* global window, requestAnimationFrame -- the functions given to page.evaluate run in the page */
// `npm run ui:load [-- SECONDS RATE]`: how the live page copes with a stream of events.
// Runs `listen --ui`, opens the page in headless Chromium, POSTs RATE events/s (default
// 10,000, in batches of 500 over 20 flags) for SECONDS (default 10), then prints the
// page's frame intervals, long tasks and main-thread time, how long it took to show the
// last batch, and how long a filter keystroke took to apply. A measurement, not a test.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const SECONDS = Number(process.argv[2] ?? 10);
const RATE = Number(process.argv[3] ?? 10_000);
const PER_BATCH = 500;
const FLAGS = 20;

const listen = spawn(process.execPath, ['bin/ff-webhook.cjs', 'listen', '--port', '0', '--ui', '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
const port = await new Promise((resolve) => {
  let text = '';
  listen.stderr.setEncoding('utf8').on('data', (chunk) => {
    text += chunk;
    const match = /127\.0\.0\.1:(\d+)/.exec(text);
    if (match) resolve(Number(match[1]));
  });
});
const profile = mkdtempSync(join(tmpdir(), 'ff-webhook-load-'));
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];
// bypassCSP: the page's policy forbids the measuring script injected below, not the page's own.
const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args, bypassCSP: true, viewport: { width: 1280, height: 1400 } });
try {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('#status.live');
  await page.evaluate(() => {
    window.longTasks = [];
    window.frames = [];
    let last = performance.now();
    new PerformanceObserver((list) => list.getEntries().forEach((entry) => window.longTasks.push(entry.duration))).observe({ type: 'longtask' });
    const frame = (now) => {
      window.frames.push(now - last);
      last = now;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const before = await metrics();

  const batches = (SECONDS * RATE) / PER_BATCH;
  const started = Date.now();
  for (let b = 0; b < batches; b++) {
    const events = Array.from({ length: PER_BATCH }, (_, i) => ({
      kind: 'feature', userKey: `user-${i}`, creationDate: 1_735_689_600, key: `flag-${(b + i) % FLAGS}`,
      variation: i % 3 === 0 ? 'on' : 'off', value: i % 3 === 0, default: false,
    }));
    await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ meta: { env: 'load' }, events }) });
    const ahead = started + ((b + 1) * PER_BATCH * 1000) / RATE - Date.now();
    if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead));
  }
  const elapsed = (Date.now() - started) / 1000;
  const after = await metrics();
  const shown = Date.now();
  await page.waitForSelector(`#events:text-is("${(batches * PER_BATCH).toLocaleString('en-US')}")`);
  const catchUp = Date.now() - shown;
  const typed = Date.now();
  await page.fill('#filter', 'flag-3');
  await page.waitForSelector('#totals tbody tr[data-flag="flag-4"]', { state: 'detached' });
  const filter = Date.now() - typed;
  const seen = await page.evaluate(() => {
    const frames = window.frames.slice(1).sort((a, b) => a - b);
    const at = (q) => frames[Math.floor(q * (frames.length - 1))];
    return { frames: frames.length, p50: at(0.5), p95: at(0.95), max: frames.at(-1), long: window.longTasks.length, longMax: Math.max(0, ...window.longTasks) };
  });
  const busy = (name) => (after[name] - before[name]).toFixed(2);
  console.log(`${batches * PER_BATCH} events in ${elapsed.toFixed(1)} s (${Math.round((batches * PER_BATCH) / elapsed)} events/s, ${FLAGS * 2} series)`);
  console.log(`frames: ${seen.frames}, interval p50 ${seen.p50.toFixed(0)} ms, p95 ${seen.p95.toFixed(0)} ms, max ${seen.max.toFixed(0)} ms`);
  console.log(`long tasks: ${seen.long}, longest ${seen.longMax.toFixed(0)} ms`);
  console.log(`main thread busy ${busy('TaskDuration')} s (script ${busy('ScriptDuration')}, layout ${busy('LayoutDuration')}, style ${busy('RecalcStyleDuration')}) of ${elapsed.toFixed(1)} s; ${after.LayoutCount - before.LayoutCount} layouts`);
  console.log(`last batch shown ${catchUp} ms after it was sent; a filter keystroke applied in ${filter} ms`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  listen.kill('SIGTERM');
}
