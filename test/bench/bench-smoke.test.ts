import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Keeps `npm run bench` working: runs it with tiny sizes, from the TypeScript
 * sources (no build needed), and checks that it completes, prints the table
 * and writes a JSON file with every row. It never looks at timings: those
 * come only from a real `npm run bench`.
 */

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Every row the bench reports; the JSON must carry a number for each. */
const ROW_IDS = [
  'raw.eps', 'raw.cpu', 'axios.eps', 'axios.cpu', 'otel.eps', 'otel.cpu', 'ours.eps', 'ours.cpu',
  'ratio.ours_raw_eps', 'ratio.ours_raw_cpu', 'ratio.ours_axios_cpu', 'ratio.axios_raw_cpu', 'ratio.ours_otel_eps',
  'ours.wire', 'ours_gzip.eps', 'ours_gzip.cpu', 'ours_gzip.wire', 'ratio.gzip_plain_eps', 'ratio.gzip_plain_cpu', 'ratio.gzip_plain_wire',
  'ours_spool.eps', 'ours_spool.cpu', 'ratio.spool_plain_eps',
  'of_nohook.eps', 'of_hook.eps', 'of_hook.cpu', 'ratio.of_hook_nohook',
  'add.ns', 'add_spool.ns', 'of_eval_nohook.ns', 'of_eval_noop.ns', 'of_eval_hook.ns', 'hook.ns',
  'loop_ours.max', 'loop_ours.p99', 'loop_ours.outside_gc', 'loop_ours.gc_max',
  'loop_otel.max', 'loop_otel.p99', 'loop_otel.outside_gc', 'loop_otel.gc_max',
  'loop_floor.max', 'loop_floor.gc_max',
  ...[20, 5_000, 50_000].flatMap((flags) => [`ser_${flags}.ours`, `ser_${flags}.plain`, `ratio.ser_${flags}`]),
  ...['launchdarkly', 'unleash', 'growthbook', 'configcat'].flatMap((sdk) => [`${sdk}_eval.ns`, `${sdk}_eval_noop.ns`, `${sdk}_eval_adapter.ns`, `${sdk}_adapter.ns`]),
  'heap.bytes', 'heap.json_bytes', 'ratio.heap_json', 'rss.peak', 'rss.growth', 'heap.retained_growth', 'overflow.exact',
  'shutdown.hanging', 'shutdown.refused',
];

interface Row {
  id: string;
  label: string;
  median: number | null;
  target: { op: string; value: number } | null;
  pass: boolean | null;
}

interface Results {
  rows: Row[];
  errors: { scenario: string; error: string }[];
  runs: number;
}

function runBench(resultsDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    BENCH_SCALE: '0.001',
    BENCH_RUNS: '1',
    BENCH_FROM_SOURCE: '1',
    BENCH_EXPORT_TIMEOUT: '200',
    BENCH_RESULTS_DIR: resultsDir,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, ['bench/run.mjs'], { cwd: repo, env, timeout: 170_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('npm run bench (smoke: tiny sizes, no timings asserted)', function () {
  this.timeout(180_000);
  let resultsDir: string;

  before(() => {
    resultsDir = mkdtempSync(join(tmpdir(), 'ff-bench-smoke-'));
  });
  after(() => rmSync(resultsDir, { recursive: true, force: true }));

  it('runs every scenario, prints one table and writes it as JSON', async () => {
    const { code, stdout, stderr } = await runBench(resultsDir);
    assert.equal(code, 0, `bench exited with ${code}\n${stderr}`);

    assert.match(stdout, /^Metric\s+Median\s+Min–max\s+Unit\s+Target\s+Result$/m);
    assert.match(stdout, /Targets: \d+ of \d+ met/);

    const files = readdirSync(resultsDir).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 1, 'one results file');
    const results = JSON.parse(readFileSync(join(resultsDir, files[0]!), 'utf8')) as Results;

    assert.deepEqual(results.errors, [], 'no scenario run failed');
    assert.deepEqual(results.rows.map((r) => r.id), ROW_IDS);
    for (const row of results.rows) {
      assert.equal(typeof row.median, 'number', `${row.id} has a value`);
      assert.ok(stdout.includes(row.label), `the table shows ${row.id}`);
      if (row.target) assert.equal(typeof row.pass, 'boolean', `${row.id} is judged`);
    }
  });
});
