// Runner-side plumbing: the receiver process, one fresh process per scenario run.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/** How long one scenario process may take before it is killed and recorded as failed. */
const CHILD_TIMEOUT_MS = 300_000;
/** How long a scenario process may linger after its result (open handles) before it is killed. */
const EXIT_GRACE_MS = 5_000;

/** Starts the receiver in its own process; resolves with a handle to query and close it. */
export async function startReceiver(env) {
  const child = fork(here('./receiver.mjs'), [], { env, stdio: ['ignore', 2, 2, 'ipc'] });
  const port = await new Promise((resolve, reject) => {
    child.once('message', (msg) => (msg?.ready ? resolve(msg.port) : reject(new Error('receiver did not start'))));
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });
  let nextId = 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    /** The receiver's counters for one path. */
    stats(path) {
      const id = ++nextId;
      return new Promise((resolve) => {
        const onMessage = (msg) => {
          if (msg?.id !== id) return;
          child.off('message', onMessage);
          resolve(msg.stats);
        };
        child.on('message', onMessage);
        child.send({ op: 'stats', id, path });
      });
    },
    close() {
      return new Promise((resolve) => {
        child.once('exit', resolve);
        child.send({ op: 'close' });
      });
    },
  };
}

/**
 * Runs one scenario file in a fresh process (fresh heap and JIT) and resolves with
 * `{ result }` or `{ error }`; `lingered` is set when the process had to be killed
 * after reporting, which means something kept the event loop alive.
 */
export function runChild(file, config, { execArgv = [], fromSource = false } = {}) {
  const child = fork(here(`./scenarios/${file}`), [], {
    env: { ...process.env, BENCH_CONFIG: JSON.stringify({ ...config, fromSource }) },
    execArgv: [...(fromSource ? ['--import', 'tsx'] : []), ...execArgv],
    // The runner's stdout carries only the table; a scenario's output goes to stderr.
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  return new Promise((resolve) => {
    let outcome;
    let graceTimer;
    const killTimer = setTimeout(() => {
      outcome ??= { error: `timed out after ${CHILD_TIMEOUT_MS} ms` };
      child.kill('SIGKILL');
    }, CHILD_TIMEOUT_MS);
    child.on('message', (msg) => {
      outcome = msg;
      graceTimer = setTimeout(() => {
        outcome.lingered = true;
        child.kill('SIGKILL');
      }, EXIT_GRACE_MS);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(killTimer);
      clearTimeout(graceTimer);
      resolve(outcome ?? { error: `exited with ${signal ?? code} before reporting` });
    });
  });
}
