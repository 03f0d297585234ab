// Helpers for a scenario process: its config, the library under test, timing, reporting.
import { setImmediate as yieldToLoop } from 'node:timers/promises';

export { yieldToLoop };

/** The scenario's config, passed by the runner as JSON in BENCH_CONFIG. */
export const config = JSON.parse(process.env.BENCH_CONFIG ?? '{}');

/**
 * The library as users get it: the built ESM output (`npm run bench` builds first),
 * or the TypeScript sources under tsx when BENCH_FROM_SOURCE=1 (the smoke test, no build).
 */
export async function loadCore() {
  return import(config.fromSource ? '../src/index.ts' : '../dist/esm/src/index.js');
}

export async function loadOpenFeatureAdapter() {
  return import(config.fromSource ? '../adapters/openfeature/index.ts' : '../dist/esm/adapters/openfeature/index.js');
}

/** Wall time and this process's CPU time (user + system) since `start()`. */
export function startClock() {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  return () => {
    const wallNs = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(cpu0);
    return { wallMs: wallNs / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, userMs: cpu.user / 1000, systemMs: cpu.system / 1000 };
  };
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
