// Writes ui-screenshot.png: `listen --ui` fed by `send` with demo-like events, loaded in headless Chromium.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const bin = 'bin/ff-webhook.cjs';
const listen = spawn(process.execPath, [bin, 'listen', '--port', '0', '--ui', '--secret', 'screenshot'], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve) => {
  let text = '';
  listen.stdout.on('data', (chunk) => {
    text += chunk;
    const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
    if (match) resolve(Number(match[1]));
  });
});
const flags = { 'new-checkout': ['on', 'off'], 'banner-color': ['red', 'green', 'blue'], 'items-per-page': ['medium'] };
for (let round = 0; round < 4; round++) {
  const lines = [];
  for (let i = 0; i < 600; i++) {
    const key = Object.keys(flags)[i % 3];
    const variations = flags[key];
    const variation = variations[(i * 7 + round) % variations.length];
    lines.push(JSON.stringify({ kind: 'feature', userKey: `user-${i}`, creationDate: 1735689600 + i, key, variation, value: variation, default: false }));
  }
  spawnSync(process.execPath, [bin, 'send', '--endpoint', `http://127.0.0.1:${port}/`, '--secret', 'screenshot', '--meta', 'env=demo', '--max-event-in-memory', '100'], { input: lines.join('\n') + '\n' });
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
spawnSync(process.execPath, [bin, 'send', '--endpoint', `http://127.0.0.1:${port}/`, '--secret', 'wrong'], { input: lines0() });
function lines0() {
  return JSON.stringify({ kind: 'feature', userKey: 'x', creationDate: 1, key: 'new-checkout', variation: 'on', value: true, default: false }) + '\n';
}
const profile = mkdtempSync(join(tmpdir(), 'ff-webhook-shot-'));
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args, viewport: { width: 1280, height: 1400 } });
try {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('#failures:text-is("1")');
  await page.screenshot({ path: 'ui-screenshot.png', fullPage: true });
  console.log('wrote ui-screenshot.png');
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  listen.kill('SIGTERM');
}
