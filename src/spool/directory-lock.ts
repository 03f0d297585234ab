import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The lock file's name inside a spool directory. */
export const LOCK_FILE = 'LOCK';

/** Who holds a lock: enough to tell, on this machine, whether that process still runs. */
interface LockOwner {
  pid: number;
  host: string;
  /** Linux: the kernel's boot id, so a lock from before a reboot is stale. */
  boot?: string;
  /** Linux: the process start time in clock ticks, so a reused pid is not mistaken for the owner. */
  started?: string;
}

/**
 * Directories locked by this process: a second open here is refused without
 * touching the file. Kept on the global object so that two copies of the
 * package in one process (ESM beside CJS) see the same set.
 */
const HELD_KEY = Symbol.for('ff-webhook-exporter.spool.locked-directories');
const heldHere: Set<string> = ((globalThis as Record<symbol, Set<string> | undefined>)[HELD_KEY] ??= new Set<string>());

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat, after the command name (which may hold spaces and parentheses). */
function startTimeOf(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function currentOwner(): LockOwner {
  const owner: LockOwner = { pid: process.pid, host: os.hostname() };
  const boot = readText('/proc/sys/kernel/random/boot_id');
  const started = startTimeOf(process.pid);
  if (boot !== undefined) owner.boot = boot;
  if (started !== undefined) owner.started = started;
  return owner;
}

function parseOwner(text: string | undefined): LockOwner | undefined {
  try {
    const value = JSON.parse(text ?? '') as Partial<LockOwner>;
    return Number.isSafeInteger(value.pid) && typeof value.host === 'string' ? (value as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process that wrote the lock still runs. The lock works among
 * processes of one machine (one pid namespace): a lock from another boot or a
 * pid now used by another program is stale.
 */
function isAlive(owner: LockOwner): boolean {
  const here = currentOwner();
  if (owner.boot !== undefined && here.boot !== undefined && owner.boot !== here.boot) return false;
  // Not held by this process (acquire checked): a previous run that had the same pid, as pid 1 in a container.
  if (owner.pid === process.pid) return false;
  if (owner.started !== undefined && here.started !== undefined) return startTimeOf(owner.pid) === owner.started;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock on a spool directory: a file created with O_EXCL holding
 * the owner's pid. A lock left by a process that died is taken over.
 */
export class DirectoryLock {
  private released = false;

  private constructor(
    private readonly file: string,
    private readonly key: string,
    private readonly inode: number,
  ) {}

  /** Takes the lock or throws an Error naming the directory and the process that holds it. */
  static acquire(directory: string): DirectoryLock {
    const key = fs.realpathSync(directory);
    if (heldHere.has(key)) {
      throw new Error(`spool.directory ${directory} is already open in this process; a spool directory serves one spool at a time`);
    }
    const file = path.join(directory, LOCK_FILE);
    for (let attempt = 0; attempt < 5; attempt++) {
      const inode = tryCreate(file);
      if (inode !== undefined) {
        heldHere.add(key);
        return new DirectoryLock(file, key, inode);
      }
      const text = readText(file);
      const owner = parseOwner(text);
      if (owner !== undefined && isAlive(owner)) {
        throw new Error(
          `spool.directory ${directory} is in use by process ${owner.pid} on ${owner.host}; ` +
            'a spool directory serves one process at a time',
        );
      }
      takeOver(file, text);
    }
    throw new Error(`spool.directory ${directory}: could not take the lock (${LOCK_FILE} keeps changing)`);
  }

  /** Removes the lock file if it is still this lock's. */
  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.key);
    try {
      if (fs.statSync(this.file).ino === this.inode) fs.unlinkSync(this.file);
    } catch {
      // Gone already: nothing to release.
    }
  }
}

/** Creates the lock file with this process as owner; undefined when it exists. */
function tryCreate(file: string): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  try {
    fs.writeSync(fd, JSON.stringify(currentOwner()) + '\n');
    fs.fsyncSync(fd);
    return fs.fstatSync(fd).ino;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Moves a stale lock aside, atomically: if another process replaced it in
 * the meantime (it judged the same lock stale and took it), the new lock is
 * put back and the next attempt finds it held.
 */
function takeOver(file: string, staleText: string | undefined): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (readText(aside) !== staleText) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // Someone took the lock meanwhile; the next attempt reads it.
    }
  }
  fs.rmSync(aside, { force: true });
}
