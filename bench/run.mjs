// `npm run bench`: every scenario in its own process, interleaved run after run,
// against one receiver process; one table of medians with the target ratios,
// also written as JSON to bench/results/<timestamp>.json.
//
//   BENCH_SCALE=0.01   shrink every size (the smoke test); default 1
//   BENCH_RUNS=5       runs per scenario (the table shows medians); default 5
//   BENCH_ONLY=raw,ours  only these scenarios (ids below)
//   BENCH_FROM_SOURCE=1  load src/ through tsx instead of the built dist/
//   BENCH_WARMUP=200000  events sent before each throughput measurement (JIT warm-up), scaled
//   BENCH_EXPORT_TIMEOUT=1000  exportTimeout (ms) of the shutdown scenarios
//   BENCH_RESULTS_DIR    where the JSON goes; default bench/results
//   BENCH_PROFILE=1      also write a V8 CPU profile per scenario run to
//                        <results dir>/profiles/ (summarize: node bench/profile-top.mjs FILE)
// The same as flags: --scale=, --runs=, --only=, --from-source, --results-dir=, --profile.
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRows, FLAG_SDKS } from './rows.mjs';
import { renderTable } from './report.mjs';
import { runChild, startReceiver } from './runner.mjs';

function option(name, fallback) {
  const flag = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (flag) return flag.includes('=') ? flag.slice(flag.indexOf('=') + 1) : '1';
  return process.env[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`] ?? fallback;
}

const scale = Number(option('scale', '1'));
const runs = Math.max(1, Math.floor(Number(option('runs', '5'))));
const only = option('only', '') .split(',').filter(Boolean);
const fromSource = option('from-source', '0') === '1';
const resultsDir = option('results-dir', fileURLToPath(new URL('./results/', import.meta.url)));
const profile = option('profile', '0') === '1';
if (!(scale > 0)) throw new RangeError('BENCH_SCALE must be a positive number');

const SECRET = 'bench-secret';
const BATCH = 1_000;
/** Sizes at scale 1; each finishes in seconds on 2 cores. */
const sized = (n, min) => Math.max(min, Math.round((n * scale) / BATCH) * BATCH);
const sizes = {
  events: sized(200_000, BATCH),
  // Long enough for V8 to finish compiling axios and the pipeline: a short warm-up
  // leaves its background JIT work inside the measured window (~0.5 µs/event with axios).
  warmup: sized(Number(option('warmup', '200000')), BATCH),
  ofEvents: sized(100_000, BATCH),
  ofWarmup: sized(10_000, BATCH),
  adds: sized(2_000_000, 10_000),
  evaluations: sized(50_000, 1_000),
  pending: sized(400_000, BATCH),
  cap: sized(400_000, BATCH),
  flush: sized(100_000, BATCH),
  serializerEvents: sized(100_000, BATCH),
  exportTimeout: Math.floor(Number(option('export-timeout', '1000'))),
};

/** Every scenario: id, file, config for run `r`, node flags. */
function scenarios(receiverUrl) {
  const tp = (id, file, extra = {}, events = sizes.events, warmup = sizes.warmup) => ({
    id, file, throughput: true, execArgv: ['--expose-gc'],
    config: (r) => ({ url: `${receiverUrl}/${id}-${r}`, path: `/${id}-${r}`, secret: SECRET, batchSize: BATCH, chunk: BATCH, events, warmup, ...extra }),
  });
  return [
    tp('raw', 'raw.mjs'),
    tp('axios', 'axios.mjs'),
    tp('otel', 'otel.mjs'),
    tp('ours', 'ours.mjs'),
    tp('ours-spool', 'ours.mjs', { spool: true }),
    tp('ours-gzip', 'ours.mjs', { compression: 'gzip' }),
    tp('of-nohook', 'ours-openfeature.mjs', { hook: false }, sizes.ofEvents, sizes.ofWarmup),
    tp('of-hook', 'ours-openfeature.mjs', { hook: true }, sizes.ofEvents, sizes.ofWarmup),
    { id: 'hot-add', file: 'hot-add.mjs', config: () => ({ adds: sizes.adds }) },
    { id: 'hot-add-spool', file: 'hot-add.mjs', config: () => ({ adds: sizes.adds, spool: true }) },
    { id: 'hot-of-nohook', file: 'hot-openfeature.mjs', config: () => ({ mode: 'nohook', evaluations: sizes.evaluations }) },
    { id: 'hot-of-noop', file: 'hot-openfeature.mjs', config: () => ({ mode: 'noop', evaluations: sizes.evaluations }) },
    { id: 'hot-of-hook', file: 'hot-openfeature.mjs', config: () => ({ mode: 'hook', evaluations: sizes.evaluations }) },
    { id: 'hot-hook-stage', file: 'hot-openfeature.mjs', config: () => ({ mode: 'finally', evaluations: sizes.evaluations }) },
    ...FLAG_SDKS.flatMap((sdk) => ['nohook', 'noop', 'hook', 'callback'].map((mode) => (
      { id: `hot-${sdk}-${mode}`, file: 'hot-flag-sdks.mjs', config: () => ({ sdk, mode, evaluations: sizes.evaluations }) }
    ))),
    { id: 'memory-heap', file: 'memory-heap.mjs', execArgv: ['--expose-gc'], config: () => ({ pending: sizes.pending, secret: SECRET }) },
    { id: 'memory-rss', file: 'memory-rss.mjs', execArgv: ['--expose-gc'], config: () => ({ cap: sizes.cap, secret: SECRET }) },
    { id: 'shutdown-hanging', file: 'shutdown.mjs', config: () => ({ mode: 'hanging', exportTimeout: sizes.exportTimeout, secret: SECRET }) },
    { id: 'loop-ours', file: 'event-loop.mjs', config: () => ({ mode: 'ours', url: `${receiverUrl}/loop-ours`, secret: SECRET, flush: sizes.flush, rounds: 3 }) },
    { id: 'loop-otel', file: 'event-loop.mjs', config: () => ({ mode: 'otel', url: `${receiverUrl}/loop-otel`, flush: sizes.flush, rounds: 3 }) },
    { id: 'loop-floor', file: 'event-loop.mjs', config: () => ({ mode: 'floor', flush: sizes.flush, rounds: 3 }) },
    ...[20, 5_000, 50_000].map((flags) => ({
      id: `ser-${flags}`, file: 'serializer.mjs', config: () => ({ flags, events: sizes.serializerEvents, repeats: 5 }),
    })),
    { id: 'shutdown-refused', file: 'shutdown.mjs', config: () => ({ mode: 'refused', exportTimeout: sizes.exportTimeout, secret: SECRET }) },
  ].filter((s) => only.length === 0 || only.includes(s.id));
}

function summary(id, result) {
  if (result.events && result.wallMs) return `${Math.round(result.events / (result.wallMs / 1000)).toLocaleString('en')} ev/s, ${((result.cpuMs * 1000) / result.events).toFixed(2)} µs CPU/ev (main thread ${((result.mainThreadCpuMs * 1000) / result.events).toFixed(2)}, system ${((result.systemMs * 1000) / result.events).toFixed(2)})`;
  if (result.nsPerAdd) return `${result.nsPerAdd.toFixed(1)} ns/add`;
  if (result.nsPerEvaluation) return `${result.nsPerEvaluation.toFixed(0)} ns/evaluation`;
  if (result.heapBytesPerEvent) return `${result.heapBytesPerEvent.toFixed(0)} B/event (JSON ${result.jsonBytes.toFixed(0)} B)`;
  if (result.peakRss) return `peak RSS ${(result.peakRss / 2 ** 20).toFixed(0)} MB, exact excess ${result.exactExcess}`;
  if (result.ms !== undefined) return `${result.ms.toFixed(0)} ms`;
  return id;
}

/** Copies dist/esm aside so a rebuild while the bench runs cannot break or change it. */
function snapshotBuild(dir) {
  const built = fileURLToPath(new URL('../dist/esm', import.meta.url));
  if (!existsSync(join(built, 'src/index.js'))) throw new Error('dist/esm is missing: run `npm run build` (npm run bench does)');
  // Inside the repo, so the snapshot resolves node_modules as dist/ does.
  const lib = join(dir, `.dist-${process.pid}`);
  cpSync(built, lib, { recursive: true });
  return lib;
}

async function main() {
  const started = new Date();
  mkdirSync(resultsDir, { recursive: true });
  const lib = fromSource ? undefined : snapshotBuild(fileURLToPath(new URL('./results/', import.meta.url)));
  try {
    await runAll(started, lib);
  } finally {
    if (lib) rmSync(lib, { recursive: true, force: true });
  }
}

async function runAll(started, lib) {
  const receiver = await startReceiver({ ...process.env, BENCH_SECRET: SECRET });
  const plan = scenarios(receiver.baseUrl);
  /** id → one entry per run: { result } or { error } */
  const samples = Object.fromEntries(plan.map((s) => [s.id, []]));
  const log = (line) => process.stderr.write(line + '\n');
  log(`bench: scale ${scale}, ${runs} run(s), ${plan.length} scenario(s), node ${process.version}, ${cpus().length} CPU(s)${fromSource ? ', from source' : ''}`);

  for (let r = 0; r < runs; r++) {
    // Alternate the order so a slow drift of the machine favours no scenario.
    const order = r % 2 === 0 ? plan : [...plan].reverse();
    for (const s of order) {
      const config = s.config(r);
      const execArgv = [...(s.execArgv ?? []), ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${join(resultsDir, 'profiles')}`, `--cpu-prof-name=${s.id}-${r + 1}.cpuprofile`] : [])];
      const outcome = await runChild(s.file, { ...config, lib }, { execArgv, fromSource });
      if (outcome.result && s.throughput) {
        // The receiver's own count is the proof of delivery.
        const got = await receiver.stats(config.path);
        outcome.result.receiver = got;
        const expected = outcome.result.sent;
        if (got.events !== expected || got.badBodies > 0 || got.badSignatures > 0) {
          outcome.error = `receiver counted ${got.events} events (expected ${expected}), ${got.badBodies} bad bodies, ${got.badSignatures} bad signatures`;
        } else if (got.requests > 0 && (config.compression === 'gzip') !== (got.gzipped === got.requests)) {
          outcome.error = `receiver got ${got.gzipped} of ${got.requests} bodies gzipped (compression: ${config.compression ?? 'none'})`;
        }
      }
      samples[s.id].push(outcome);
      const tag = `[${r + 1}/${runs}] ${s.id.padEnd(17)}`;
      log(outcome.error ? `${tag} ERROR ${outcome.error.split('\n')[0]}` : `${tag} ${summary(s.id, outcome.result)}${outcome.lingered ? ' (process lingered after its result: killed)' : ''}`);
    }
  }
  await receiver.close();

  const rows = buildRows(samples, sizes);
  const table = renderTable(rows);
  process.stdout.write(`\n${table}\n`);
  const failures = rows.filter((r) => r.pass === false).map((r) => r.label);
  const unmeasured = rows.filter((r) => r.target && r.pass === null).map((r) => r.label);
  const errors = Object.entries(samples).flatMap(([id, list]) => list.filter((o) => o.error).map((o) => ({ scenario: id, error: o.error })));
  const lingered = Object.entries(samples).flatMap(([id, list]) => (list.some((o) => o.lingered) ? [id] : []));

  const file = join(resultsDir, `${started.toISOString().replaceAll(':', '-')}.json`);
  const doc = {
    timestamp: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    scale, runs, fromSource, sizes,
    rows, failures, unmeasured, errors, lingered,
    raw: samples,
  };
  writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  const judged = rows.filter((r) => r.pass !== null).length;
  process.stdout.write(`\nTargets: ${judged - failures.length} of ${judged} met${failures.length ? `; missed: ${failures.join('; ')}` : ''}.\n`);
  if (unmeasured.length) process.stdout.write(`Not measured: ${unmeasured.join('; ')}.\n`);
  if (errors.length) process.stdout.write(`${errors.length} scenario run(s) failed; see "errors" in the JSON.\n`);
  if (lingered.length) process.stdout.write(`Processes that did not exit on their own: ${lingered.join(', ')}\n`);
  process.stdout.write(`Results: ${file}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
