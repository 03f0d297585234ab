// `npm run ui:screenshot`: writes ui-screenshot.png, the live page of `ff-webhook demo --ui`
// after a demo run (and one forged request, so the signature-failure tile shows), as headless
// Chromium renders it. The PNG is for a reviewer to look at; it is not committed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const EVENTS = 20_000;
const demo = spawn(process.execPath, ['bin/ff-webhook.cjs', 'demo', '--ui', '--events', String(EVENTS), '--rate', '4000'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const exited = new Promise((resolve) => demo.once('exit', resolve));
const page = await new Promise((resolve, reject) => {
  let text = '';
  demo.stdout.setEncoding('utf8').on('data', (chunk) => {
    text += chunk;
    process.stdout.write(chunk);
    const match = /^live page: (\S+) stays up/m.exec(text);
    if (match) resolve(match[1]);
  });
  demo.once('exit', (code) => reject(new Error(`the demo ended (${code}) before its summary`)));
});
// A batch signed with the wrong secret: answered 401, counted as a signature failure.
const forged = await fetch(`${page}webhook`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
  body: JSON.stringify({ events: [{ kind: 'feature', key: 'new-checkout' }] }),
});
console.log(`forged batch answered ${forged.status}`);

const profile = mkdtempSync(join(tmpdir(), 'ff-webhook-shot-'));
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args, viewport: { width: 1280, height: 1400 } });
try {
  const tab = await context.newPage();
  await tab.goto(page);
  await tab.waitForSelector(`#events:text-is("${EVENTS.toLocaleString('en-US')}")`);
  await tab.waitForSelector('#failures:text-is("1")');
  await tab.screenshot({ path: 'ui-screenshot.png', fullPage: true });
  console.log('wrote ui-screenshot.png');
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  demo.kill('SIGTERM');
  await exited;
}
