import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Spool } from '../../src/spool/spool.js';
import { event, fixture, removeAll, resultOf, runFixture, tempDir } from './support/spool-fixtures.js';

interface Outcome {
  ok?: boolean;
  error?: string;
  name?: string;
}

/**
 * Tests run as root in CI, and root is never denied a write: the spool is
 * opened by a child that drops to `nobody` first (or, not root, as itself,
 * with the directory chmod'ed read-only).
 */
describe('Spool: a directory it may not write', function () {
  this.timeout(20_000);
  const made: string[] = [];

  before(function () {
    if (process.platform === 'win32') this.skip();
  });

  afterEach(() => {
    for (const dir of made) fs.chmodSync(dir, 0o755);
    removeAll(made);
  });

  /** A directory others may read and enter but not write. */
  function readOnlyDir(): string {
    const dir = tempDir(made);
    fs.chmodSync(dir, 0o555);
    return dir;
  }

  it('an existing directory without write permission: a clear Error naming it, nothing changed', async () => {
    const directory = tempDir(made);
    const spool = Spool.open({ directory });
    spool.append(event(1));
    await spool.close();
    const before = fs.readdirSync(directory).sort();
    fs.chmodSync(directory, 0o555);
    const outcome = resultOf<Outcome>(await runFixture(fixture('open-unprivileged.mts'), [directory]));
    assert.equal(outcome.name, 'Error');
    assert.equal(
      outcome.error,
      `spool.directory ${directory}: permission denied (EACCES); the process must be able to create, write and delete files there`,
    );
    assert.deepEqual(fs.readdirSync(directory).sort(), before);
    fs.chmodSync(directory, 0o755);
    const again = Spool.open({ directory });
    assert.deepEqual(again.recovered.flatMap((b) => b.seqs), [0], 'the spool is intact for a process that may write');
    await again.close();
  });

  it('a directory that cannot be created: the same clear Error', async () => {
    const directory = path.join(readOnlyDir(), 'spool', 'nested');
    const outcome = resultOf<Outcome>(await runFixture(fixture('open-unprivileged.mts'), [directory]));
    assert.match(outcome.error ?? '', new RegExp(`^spool\\.directory ${directory}: permission denied \\(EACCES\\)`));
    assert.equal(fs.existsSync(directory), false);
  });
});
