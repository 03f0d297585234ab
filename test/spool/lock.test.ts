import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { Spool } from '../../src/spool/spool.js';
import { fixture, removeAll, runFixture, tempDir } from './support/spool-fixtures.js';

const linux = fs.existsSync('/proc/self/stat');

/** Starts a child that holds the spool lock; resolves once it says so. */
async function holder(directory: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture('hold-lock.mts'), directory], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  while (!out.includes('ready')) {
    await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => assert.fail(`holder exited: ${out}`))]);
  }
  return child;
}

function writeLock(directory: string, owner: Record<string, unknown>): void {
  fs.writeFileSync(path.join(directory, 'LOCK'), JSON.stringify(owner));
}

function lockOwner(directory: string): { pid: number } {
  return JSON.parse(fs.readFileSync(path.join(directory, 'LOCK'), 'utf8')) as { pid: number };
}

describe('Spool: the directory lock', function () {
  this.timeout(20_000);
  const made: string[] = [];
  const spools: Spool[] = [];
  const children: ChildProcess[] = [];

  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(spools.splice(0).map((s) => s.close()));
    removeAll(made);
  });

  it('a second spool on the same directory in this process is refused', () => {
    const directory = tempDir(made);
    spools.push(Spool.open({ directory }));
    assert.throws(() => Spool.open({ directory }), { message: new RegExp(`spool\\.directory ${directory} is already open in this process`) });
  });

  it('a second live process is refused with an error naming the directory and the holder; once it is killed, its lock is taken over', async () => {
    const directory = tempDir(made);
    const child = await holder(directory);
    children.push(child);
    assert.throws(
      () => Spool.open({ directory }),
      (error: Error) => {
        assert.equal(error.message, `spool.directory ${directory} is in use by process ${child.pid} on ${os.hostname()}; a spool directory serves one process at a time`);
        return true;
      },
    );
    child.kill('SIGKILL');
    await once(child, 'exit');
    const spool = Spool.open({ directory });
    spools.push(spool);
    assert.equal(lockOwner(directory).pid, process.pid);
    // What the killed holder committed is replayed.
    assert.deepEqual(spool.recovered.flatMap((b) => b.events.map((e) => e.userKey)), ['held']);
  });

  it('a lock file that is not ours to read (garbage, empty) is stale and taken over', () => {
    const directory = tempDir(made);
    fs.writeFileSync(path.join(directory, 'LOCK'), 'garbage');
    spools.push(Spool.open({ directory }));
    assert.equal(lockOwner(directory).pid, process.pid);
  });

  it('a lock whose pid now belongs to another program (another start time) is stale', function () {
    if (!linux) this.skip();
    const directory = tempDir(made);
    const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    // pid 1 is alive, but did not start at tick 1.
    writeLock(directory, { pid: 1, host: os.hostname(), boot, started: '1' });
    spools.push(Spool.open({ directory }));
    assert.equal(lockOwner(directory).pid, process.pid);
  });

  it('a lock from before a reboot is stale', function () {
    if (!linux) this.skip();
    const directory = tempDir(made);
    const started = fs.readFileSync('/proc/1/stat', 'utf8').split(') ')[1]!.split(' ')[19];
    writeLock(directory, { pid: 1, host: os.hostname(), boot: 'another-boot', started });
    spools.push(Spool.open({ directory }));
    assert.equal(lockOwner(directory).pid, process.pid);
  });

  it('close() removes the lock; a process that ends without close() is not kept alive by the spool', async () => {
    const directory = tempDir(made);
    const exit = await runFixture(fixture('hold-lock.mts'), [directory, 'exit'], 10_000);
    assert.equal(exit.signal, null, 'killed: a spool timer kept the process alive');
    assert.equal(exit.code, 0, exit.stderr);
    // It never closed: its lock is left, and is stale.
    assert.equal(lockOwner(directory).pid > 0, true);
    const spool = Spool.open({ directory });
    await spool.close();
    assert.equal(fs.existsSync(path.join(directory, 'LOCK')), false);
  });
});
