// The package's entry points, in one place: the core, then one per folder under
// adapters/ that has an index.ts (openfeature, otel, and any adapter added
// later, e.g. launchdarkly, unleash, growthbook, configcat). The build and
// `npm run check:package` both read this list.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** @returns {{ subpath: string, source: string }[]} `source` without extension, relative to the root. */
export function entries(root = '.') {
  const adapters = readdirSync(join(root, 'adapters'), { withFileTypes: true })
    .filter((dir) => dir.isDirectory() && existsSync(join(root, 'adapters', dir.name, 'index.ts')))
    .map((dir) => dir.name)
    .sort();
  return [
    { subpath: '.', source: 'src/index' },
    ...adapters.map((name) => ({ subpath: `./${name}`, source: `adapters/${name}/index` })),
  ];
}

/** What package.json `exports` must say for one entry: each format with its own types. */
export function exportFor({ source }) {
  return {
    import: { types: `./dist/esm/${source}.d.ts`, default: `./dist/esm/${source}.js` },
    require: { types: `./dist/cjs/${source}.d.ts`, default: `./dist/cjs/${source}.js` },
  };
}

/** The whole `exports` field for the current adapters/ folders. */
export function expectedExports(root = '.') {
  const exports = {};
  for (const entry of entries(root)) exports[entry.subpath] = exportFor(entry);
  exports['./package.json'] = './package.json';
  return exports;
}
