/**
 * The package as npm publishes it: `npm pack` once per test run (it builds
 * first, through prepack), shared by the suites that install it into fresh
 * projects, with the versions of the peers installed beside the tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

export interface Packed {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Paths of the files in it, as `npm pack --json` lists them. */
  files: string[];
}

let packed: Packed | undefined;

export function packOnce(): Packed {
  if (packed !== undefined) return packed;
  const dir = mkdtempSync(join(tmpdir(), 'ff-webhook-pack-'));
  const [result] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  packed = { tarball: join(dir, result!.filename), files: result!.files.map((file) => file.path) };
  return packed;
}

/**
 * The version of `name` installed beside the tests: the lock file's in this
 * repository, another line's in a copy that installed one (scripts/otel-line.mjs).
 */
export function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** An `npm install` argument list with each bare package name pinned to its installed version. */
export function pinned(specs: readonly string[]): string[] {
  return specs.map((spec) => (/^(@[^/@]+\/)?[^@]+$/.test(spec) ? `${spec}@${installedVersion(spec)}` : spec));
}

/**
 * The environment of a user's shell: without the npm_* variables npm sets for the
 * scripts it runs. Under `npx -p node@24 …` (as CI runs the tests), they carry
 * `npm_config_package=node@24`, which an `npx` run inside would take as its own.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) || /^npm_config_(cache|registry|userconfig)$/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}
