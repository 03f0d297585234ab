/**
 * Runs the built `ff-webhook` bin as a child process, as a user would.
 * `ensureBuilt()` builds once per test run, and only when dist/ is missing or
 * older than a source file.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = resolve(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'ff-webhook.cjs');
const BUILT_MAIN = join(ROOT, 'dist', 'cjs', 'src', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function isBuildStale(): boolean {
  if (!existsSync(BUILT_MAIN)) return true;
  const built = statSync(BUILT_MAIN).mtimeMs;
  return ['src', 'adapters'].some((dir) => newestMtime(join(ROOT, dir)) > built);
}

let building: Promise<void> | undefined;

/** Builds dist/ once for all CLI suites (about 15 s), if it is absent or stale. */
export function ensureBuilt(): Promise<void> {
  building ??= isBuildStale()
    ? promisify(execFile)(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, timeout: 120_000 }).then(
        () => undefined,
        (error: { stdout?: string; stderr?: string }) => {
          // tsc prints its errors on stdout: show them rather than "Command failed".
          throw new Error(`node scripts/build.mjs failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
        },
      )
    : Promise.resolve();
  return building;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed (stdin is closed at once without it). */
  input?: string;
  env?: NodeJS.ProcessEnv;
}

/** Child env without FF_WEBHOOK_SECRET from the outer shell, so tests see only what they pass. */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('FF_WEBHOOK_SECRET' in extra)) delete env.FF_WEBHOOK_SECRET;
  return env;
}

export function spawnCli(args: string[], env?: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env) });
}

/** Runs the bin to completion. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, options.env);
  return collect(child, options.input);
}

export function collect(child: ChildProcessWithoutNullStreams, input?: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => undefined); // the child may exit before reading it all
  child.stdin.end(input);
  return new Promise((resolveResult, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolveResult({ code, signal, stdout, stderr }));
  });
}

/** A running `ff-webhook listen`, with its output lines as they arrive. */
export class ListenProcess {
  readonly lines: string[] = [];
  stderr = '';
  port = 0;
  private waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  private readonly exited: Promise<CliResult>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    let partial = '';
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) this.onLine(line);
    });
    let partialErr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      const parts = (partialErr + chunk).split('\n');
      partialErr = parts.pop() ?? '';
      for (const line of parts) this.onLine(line, false); // with --json, the ready line is on stderr
    });
    this.exited = new Promise((resolveExit) => {
      child.once('close', (code, signal) => {
        for (const waiter of this.waiters) waiter.resolve('');
        resolveExit({ code, signal, stdout, stderr: this.stderr });
      });
    });
  }

  /** Starts `listen --host 127.0.0.1 --port 0 ...args` and resolves once it says it is ready. */
  static async start(args: string[]): Promise<ListenProcess> {
    const listen = new ListenProcess(spawnCli(['listen', '--host', '127.0.0.1', '--port', '0', ...args]));
    const ready = await listen.waitForLine(/^listening on http:\/\/127\.0\.0\.1:(\d+) /);
    const port = /:(\d+) /.exec(ready)?.[1];
    if (port === undefined) throw new Error(`listen did not start: ${listen.stderr}`);
    listen.port = Number(port);
    return listen;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/webhook`;
  }

  /** Resolves with the first line (seen or to come) matching `pattern`; with '' if the process exits first. */
  waitForLine(pattern: RegExp): Promise<string> {
    const seen = this.lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve('');
    return new Promise((resolveLine) => this.waiters.push({ pattern, resolve: resolveLine }));
  }

  /** Sends SIGTERM (or `signal`) and resolves with how the process ended. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<CliResult> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  private onLine(line: string, stdout = true): void {
    if (stdout) this.lines.push(line);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.pattern.test(line)) return true;
      waiter.resolve(line);
      return false;
    });
  }
}

/** A valid feature event, numbered so tests can find each one. */
export function featureEvent(i: number): Record<string, unknown> {
  return {
    kind: 'feature',
    contextKind: 'user',
    userKey: `user-${i}`,
    creationDate: 1_735_689_600 + i,
    key: 'new-checkout',
    variation: i % 2 === 0 ? 'on' : 'off',
    value: i % 2 === 0,
    default: false,
  };
}

export function ndjson(values: readonly unknown[]): string {
  return values.map((value) => `${JSON.stringify(value)}\n`).join('');
}

export interface RecordedRequest {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A bare HTTP endpoint on 127.0.0.1 that records requests and answers `status`. */
export async function recordingServer(status = 204): Promise<{ server: Server; url: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ headers: req.headers, body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    server,
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  return port;
}
