// `node scripts/otel-line.mjs <line>`: the tests again, beside another OpenTelemetry JS
// line than the lock file's (1.9 / 2.x), in a temporary copy of the repository, so
// package-lock.json and node_modules here are never touched. CI runs (.ci/run):
//   newest  api 1.10, core 3.x, sdk-logs 3.x (Node >= 22.15: run it on Node 24):
//           the adapter tests, and the README recipes from the packed package
//   core1   api 1.9, core 1.x (OpenTelemetry JS 1.x, whose ExportResultCode we use):
//           the core tests, the adapter tests and the packed package
// The copy resolves its versions afresh (npm install, no lock), with the line's
// versions as devDependencies; the packed-package and recipe tests pin the peers
// they install to what the copy has, so they install the package next to that line.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const LINES = {
  newest: {
    versions: { '@opentelemetry/api': '~1.10.0', '@opentelemetry/core': '^3.0.0', '@opentelemetry/sdk-logs': '^3.0.0', '@opentelemetry/sdk-metrics': '^3.0.0' },
    expect: { '@opentelemetry/api': /^1\.10\./, '@opentelemetry/core': /^3\./, '@opentelemetry/sdk-logs': /^3\./ },
    // Tracing and OTLP test packages have no release for api 1.10 yet; the tests run here do not use them.
    drop: ['@opentelemetry/sdk-trace-node', '@opentelemetry/instrumentation-http', '@opentelemetry/exporter-logs-otlp-http'],
    tests: ['test/adapters/**/*.test.ts', 'test/package/recipes.test.ts'],
  },
  core1: {
    versions: { '@opentelemetry/core': '^1.30.0' },
    expect: { '@opentelemetry/api': /^1\.9\./, '@opentelemetry/core': /^1\./ },
    drop: [],
    tests: ['test/core/**/*.test.ts', 'test/adapters/**/*.test.ts', 'test/package/packed-package.test.ts'],
  },
};
// Tools the tests above never load: not installed in the copy, to keep it quick.
const UNUSED = ['@arethetypeswrong/cli', '@eslint/js', 'c8', 'eslint', 'globals', 'playwright-core', 'publint', 'typedoc', 'typescript-eslint'];

const name = process.argv[2];
const line = LINES[name];
if (line === undefined) {
  console.error(`usage: node scripts/otel-line.mjs ${Object.keys(LINES).join('|')}`);
  process.exit(2);
}

const copy = mkdtempSync(join(tmpdir(), `ff-webhook-otel-${name}-`));
let status;
try {
  // Sources, tests and config: not what is installed, built or generated.
  const skipped = new Set(['.git', 'node_modules', 'dist', 'docs', 'coverage', 'bench/results', 'package-lock.json']);
  cpSync('.', copy, { recursive: true, filter: (path) => !skipped.has(relative('.', path)) && !path.endsWith('.tgz') });
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  for (const dep of [...UNUSED, ...line.drop]) delete pkg.devDependencies[dep];
  Object.assign(pkg.devDependencies, line.versions);
  writeFileSync(join(copy, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);

  console.log(`otel line ${name}: installing in ${copy}`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], { cwd: copy, stdio: 'inherit' });
  const installed = {};
  for (const [dep, wanted] of Object.entries(line.expect)) {
    installed[dep] = JSON.parse(readFileSync(join(copy, 'node_modules', dep, 'package.json'), 'utf8')).version;
    if (!wanted.test(installed[dep])) throw new Error(`${dep} ${installed[dep]} installed, not the ${name} line (${wanted})`);
  }
  console.log(`otel line ${name} on Node ${process.version}: ${Object.entries(installed).map(([dep, version]) => `${dep} ${version}`).join(', ')}`);

  const mocha = spawnSync(process.execPath, [join(copy, 'node_modules/mocha/bin/mocha.js'), ...line.tests], { cwd: copy, stdio: 'inherit' });
  status = mocha.status ?? 1;
} finally {
  rmSync(copy, { recursive: true, force: true });
}
process.exitCode = status ?? 1;
