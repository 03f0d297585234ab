// Builds the package twice (ESM and CommonJS) plus one set of declarations.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (...args) => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...args], { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
run('--module', 'ES2022', '--moduleResolution', 'bundler', '--outDir', 'dist/esm');
run('--module', 'CommonJS', '--moduleResolution', 'node10', '--outDir', 'dist/cjs');
run('--declaration', '--emitDeclarationOnly', '--outDir', 'dist/types');

// Each output folder says which module system its .js files use.
for (const [dir, type] of [['dist/esm', 'module'], ['dist/cjs', 'commonjs']]) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/package.json`, JSON.stringify({ type }) + '\n');
}
