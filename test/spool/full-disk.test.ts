import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Spool } from '../../src/spool/spool.js';
import type { SpoolStats } from '../../src/spool/spool.js';
import { fixture, removeAll, runFixture, tempDir, type ChildExit } from './support/spool-fixtures.js';

interface Report {
  phase: 'full' | 'recovered';
  durableSeq: number;
  stats: SpoolStats;
  warnings: string[];
  infos?: string[];
  ticks?: number;
}

function reports(exit: ChildExit): Report[] {
  return exit.stdout
    .split('\n')
    .filter((line) => line.startsWith('result '))
    .map((line) => JSON.parse(line.slice('result '.length)) as Report);
}

function has(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What every run shows while the disk is full: no crash, one warning, the events at risk counted exactly. */
function assertFull(report: Report | undefined, code: string): void {
  assert.ok(report, 'the host reported from inside the outage');
  assert.equal(report.durableSeq, 100);
  assert.equal(report.stats.failedCommits, 1);
  assert.equal(report.stats.lastError?.code, code);
  assert.equal(report.stats.unpersisted, 1000, 'the 1000 events not on disk, and only they');
  assert.equal(report.warnings.length, 1);
  assert.match(report.warnings[0]!, new RegExp(`cannot write \\(${code}\\); events stay in memory and are still delivered`));
}

function scenarios(mode: 'limit' | 'tmpfs', code: string, directory: () => string): void {
  it(`${code}: the host goes on, delivers from memory, and the spool writes again once there is room`, async () => {
    const dir = directory();
    const exit = await runFixture(fixture('full-disk.mts'), [dir, mode, 'recover'], 30_000);
    assert.equal(exit.signal, null, exit.stderr);
    assert.equal(exit.code, 0, exit.stderr);
    const [full, recovered] = reports(exit);
    assertFull(full, code);
    assert.ok(recovered);
    assert.equal(recovered.durableSeq, 1110);
    assert.equal(recovered.stats.unpersisted, 0);
    assert.equal(recovered.warnings.length, 1, 'one warning per outage');
    assert.deepEqual(recovered.infos?.filter((m) => /writes succeed again/.test(m)).length, 1);
    assert.ok((recovered.ticks ?? 0) > 0, 'the host kept running its own work');
    // It exited without close(): what was left is exactly the unreleased events of before and after.
    const spool = Spool.open({ directory: dir });
    assert.deepEqual(
      spool.recovered.flatMap((b) => b.seqs),
      [...Array.from({ length: 50 }, (_, i) => 50 + i), ...Array.from({ length: 10 }, (_, i) => 1100 + i)],
    );
    assert.equal(spool.corrupt, 0);
    await spool.close();
  });

  it(`${code}: a crash in the middle of the outage loses only the events it reported unpersisted`, async () => {
    const dir = directory();
    const exit = await runFixture(fixture('full-disk.mts'), [dir, mode, 'crash'], 30_000);
    assert.equal(exit.signal, 'SIGKILL');
    assertFull(reports(exit)[0], code);
    const spool = Spool.open({ directory: dir });
    assert.deepEqual(spool.recovered.flatMap((b) => b.seqs), Array.from({ length: 50 }, (_, i) => 50 + i));
    assert.equal(spool.corrupt, 0, 'nothing on disk is damaged: the failed write was cut back');
    assert.equal(spool.nextSeq, 100);
    await spool.close();
  });
}

describe('Spool: a full disk never crashes the host', function () {
  this.timeout(60_000);
  const made: string[] = [];

  afterEach(() => removeAll(made));

  describe('a file-size limit (EFBIG)', function () {
    before(function () {
      if (process.platform !== 'linux' || !has('prlimit')) this.skip();
    });
    scenarios('limit', 'EFBIG', () => tempDir(made));
  });

  describe('a full tmpfs (ENOSPC)', function () {
    let mountPoint: string | undefined;
    let runs = 0;

    before(function () {
      if (process.platform !== 'linux') this.skip();
      const point = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-spool-tmpfs-'));
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', point], { stdio: 'ignore' });
        mountPoint = point;
      } catch {
        // Mounting needs root with CAP_SYS_ADMIN; the file-size limit above covers the same path then.
        fs.rmSync(point, { recursive: true, force: true });
        this.skip();
      }
    });

    after(() => {
      if (mountPoint === undefined) return;
      execFileSync('umount', [mountPoint]);
      fs.rmSync(mountPoint, { recursive: true, force: true });
    });

    scenarios('tmpfs', 'ENOSPC', () => {
      const dir = path.join(mountPoint!, `run-${runs++}`);
      fs.mkdirSync(dir);
      made.push(dir);
      return dir;
    });
  });
});
