// Prints the heaviest frames of a V8 .cpuprofile (from `--cpu-prof`), by self
// time and by total (inclusive) time, so a missed target can be traced to code.
//   node bench/profile-top.mjs bench/results/profiles/ours-1.cpuprofile [rows=25] [--callers=NAME]
// --callers=NAME lists the call paths (innermost 6 frames) that spend time in NAME.
import { readFileSync } from 'node:fs';

const callersOf = process.argv.find((a) => a.startsWith('--callers='))?.slice('--callers='.length);
const [file, rowsArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!file) {
  process.stderr.write('usage: node bench/profile-top.mjs FILE.cpuprofile [rows]\n');
  process.exit(2);
}
const rows = Number(rowsArg ?? 25);
const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(file, 'utf8'));

const byId = new Map(nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** µs of samples per node id. */
const selfUs = new Map();
for (let i = 0; i < samples.length; i++) selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

const label = (n) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url ? `${url.replace(/^.*\/(node_modules|work\/main)\//, '$1/')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};

const self = new Map();
const inclusive = new Map();
for (const [id, us] of selfUs) {
  const key = label(byId.get(id));
  self.set(key, (self.get(key) ?? 0) + us);
  // Count each frame once per sample, however often it recurs in the stack.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = label(byId.get(cur));
    if (!seen.has(k)) {
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
}

process.stdout.on('error', () => process.exit(0)); // piped into head
const print = (title, map) => {
  process.stdout.write(`\n${title} (of ${(totalUs / 1000).toFixed(0)} ms sampled)\n`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    process.stdout.write(`${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}\n`);
  }
};
print('Self time', self);
print('Total time', inclusive);

if (callersOf) {
  const paths = new Map();
  for (const [id, us] of selfUs) {
    const stack = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur));
    const at = stack.findIndex((n) => label(n).startsWith(callersOf));
    if (at < 0) continue;
    const key = stack.slice(at, at + 6).map(label).join('  <-  ');
    paths.set(key, (paths.get(key) ?? 0) + us);
  }
  print(`Call paths through ${callersOf}`, paths);
}
