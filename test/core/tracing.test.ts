import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/tracing-child.cts', import.meta.url));

interface ChildReport {
  patched: boolean;
  received: string[];
  delivered: number;
  spans: Array<{ name: string; kind: number; url?: string }>;
}

/** Runs the fixture in a fresh process (instrumentation must load before http) and reads its JSON line. */
function runFixture(): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', FIXTURE], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`fixture exited ${code}: ${stderr}`));
      resolve(JSON.parse(stdout.trim()) as ChildReport);
    });
  });
}

describe('exports never trace themselves (SPEC §11, real NodeTracerProvider + instrumentation-http)', () => {
  it("records the application's own request and its span, but no span for our POST, made inside that span", async () => {
    const report = await runFixture();
    assert.equal(report.patched, true, 'http.request was instrumented');
    assert.deepEqual(report.received, ['GET /app', 'POST /hook'], 'both requests reached the server');
    assert.equal(report.delivered, 1);
    const client = report.spans.filter((s) => s.kind === 2);
    assert.equal(client.length, 1, JSON.stringify(report.spans));
    assert.match(String(client[0]?.url), /\/app$/);
    assert.ok(report.spans.some((s) => s.name === 'app-work'), 'the app span around the flush was recorded');
    assert.ok(!report.spans.some((s) => String(s.url).endsWith('/hook')), 'our POST was traced');
  });
});
