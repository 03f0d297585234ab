// `npm run check:package`: the package as consumers resolve it. Builds and packs
// once, then fails on any problem @arethetypeswrong/cli (node10, node16 from CJS
// and ESM, bundler) or publint (errors, warnings and suggestions alike) reports.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const dir = mkdtempSync(join(tmpdir(), 'ff-webhook-check-'));
let failed = false;
try {
  // `npm pack` runs prepack, which is the build (and its exports check).
  const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { encoding: 'utf8' }));
  const tarball = join(dir, filename);

  try {
    execFileSync(join('node_modules', '.bin', 'attw'), [tarball], { stdio: 'inherit' });
  } catch {
    failed = true; // attw exits non-zero on any problem and has printed it
  }

  const data = readFileSync(tarball);
  const { messages, pkg } = await publint({ pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) } });
  for (const message of messages) console.error(`publint ${message.type}: ${formatMessage(message, pkg)}`);
  if (messages.length > 0) failed = true;
  else console.log('publint: no problems');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
