// Builds the package twice, ESM (dist/esm) and CommonJS (dist/cjs), each with
// its own declarations, so `import` and `require` consumers get types of their
// own module system. No source maps: they would point at .ts files the package
// does not ship, and tsc's output is plain, readable JavaScript.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';
import { expectedExports } from './entries.mjs';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (...args) => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--declaration', ...args], { stdio: 'inherit' });

// A new adapters/<name>/index.ts needs its `exports` entry; say exactly which.
const exports = JSON.parse(readFileSync('package.json', 'utf8')).exports;
const expected = expectedExports();
if (!isDeepStrictEqual(exports, expected)) {
  console.error('package.json "exports" does not match the entry points (src/index.ts, adapters/*/index.ts). It should be:');
  console.error(JSON.stringify(expected, null, 2));
  process.exit(1);
}

rmSync('dist', { recursive: true, force: true });
run('--module', 'ES2022', '--moduleResolution', 'bundler', '--outDir', 'dist/esm');
run('--module', 'CommonJS', '--moduleResolution', 'node10', '--outDir', 'dist/cjs');
// The CLI runs from bin/ff-webhook.cjs, through CommonJS only: ship it once.
rmSync('dist/esm/src/cli', { recursive: true, force: true });

// Each output folder says which module system its .js and .d.ts files use. It
// is the nearest package.json to the built files, so bundlers read
// `sideEffects` here, not at the root: without it nothing is tree-shaken.
for (const [dir, type] of [['dist/esm', 'module'], ['dist/cjs', 'commonjs']]) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/package.json`, JSON.stringify({ type, sideEffects: false }) + '\n');
}
