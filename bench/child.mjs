// Helpers for a scenario process: its config, the library under test, timing, reporting.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

export { yieldToLoop };

/** The scenario's config, passed by the runner as JSON in BENCH_CONFIG. */
export const config = JSON.parse(process.env.BENCH_CONFIG ?? '{}');

/**
 * The library as users get it: the built ESM output (`npm run bench` builds first;
 * the runner hands over a snapshot of it in config.lib, so a rebuild during the
 * run cannot pull it away), or the TypeScript sources under tsx when
 * BENCH_FROM_SOURCE=1 (the smoke test, no build).
 */
function libraryModule(sourcePath, builtPath) {
  if (config.fromSource) return import(new URL(`../${sourcePath}`, import.meta.url).href);
  return import(pathToFileURL(join(config.lib ?? fileURLToPath(new URL('../dist/esm', import.meta.url)), builtPath)).href);
}

export function loadCore() {
  return libraryModule('src/index.ts', 'src/index.js');
}

export function loadOpenFeatureAdapter() {
  return libraryModule('adapters/openfeature/index.ts', 'adapters/openfeature/index.js');
}

/** One of the flag-SDK adapters (launchdarkly, unleash, growthbook, configcat). */
export function loadAdapter(name) {
  return libraryModule(`adapters/${name}/index.ts`, `adapters/${name}/index.js`);
}

/**
 * CPU ms of the main JS thread alone (Linux: /proc, 10 ms ticks), or undefined.
 * process.cpuUsage() also counts V8's compiler and GC helper threads; the gap
 * between the two shows how much of a cost is JIT or concurrent GC.
 */
function mainThreadCpuMs() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, at USER_HZ 100
  } catch {
    return undefined;
  }
}

/** Wall time and this process's CPU time (user + system, all threads) since `start()`. */
export function startClock() {
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  const t0 = process.hrtime.bigint();
  return () => {
    const wallNs = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(cpu0);
    const main1 = mainThreadCpuMs();
    return {
      wallMs: wallNs / 1e6,
      cpuMs: (cpu.user + cpu.system) / 1000,
      userMs: cpu.user / 1000,
      systemMs: cpu.system / 1000,
      mainThreadCpuMs: main0 === undefined || main1 === undefined ? undefined : main1 - main0,
    };
  };
}

/** A full GC when the process runs with --expose-gc (the runner passes it to throughput runs). */
export function settleHeap() {
  globalThis.gc?.();
}

/** Hands the result to the runner, then lets the process end on its own. */
export function report(result) {
  process.send({ result }, () => process.disconnect());
}

/** Reports a failure instead of a result; the runner records it. */
export function fail(error) {
  process.send({ error: String(error?.stack ?? error) }, () => process.disconnect());
}

/** Runs `main`, reporting its result or its error. */
export function runScenario(main) {
  main().then(report, fail);
}

/** A port on 127.0.0.1 where nothing listens: connections are refused at once. */
export async function deadPort() {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An exporter that succeeds at once (synchronously), to time the processor alone. */
export function sinkExporter() {
  let exported = 0;
  return {
    export(batch, done) {
      exported += batch.length;
      done({ code: 0 });
    },
    async shutdown() {},
    get exported() {
      return exported;
    },
  };
}
