import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Spool } from '../../src/spool/spool.js';
import { RecordType } from '../../src/spool/record-format.js';
import { captureDiag } from '../reliability/support/diag-capture.js';
import { createPrng, seedFromEnv } from '../reliability/support/prng.js';
import { event, recordsOf, removeAll, segmentNames, seqsOf, tempDir, type PlacedRecord } from './support/spool-fixtures.js';

const SEED = seedFromEnv('SPOOL_SEED');

/** The seqs a spool replays, flattened. */
function replayed(spool: Spool): number[] {
  return spool.recovered.flatMap((batch) => batch.seqs);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** The EVENTS records of a segment, each with the seqs it holds. */
function eventRecords(placed: PlacedRecord[]): Array<PlacedRecord & { seqs: number[] }> {
  return placed.flatMap((p) => (p.record.type === RecordType.Events ? [{ ...p, seqs: seqsOf(p.record) }] : []));
}

describe('Spool: corruption is cut back and counted exactly', function () {
  const made: string[] = [];
  const open: Spool[] = [];
  let diagCapture: ReturnType<typeof captureDiag>;
  const openSpool = (directory: string, maxBytes?: number): Spool => {
    const spool = Spool.open(maxBytes === undefined ? { directory } : { directory, maxBytes });
    open.push(spool);
    return spool;
  };

  /**
   * A spool of `count` events committed `perCommit` at a time (so one EVENTS
   * record each), then `released` released; closed. Returns its only segment.
   */
  async function filled(directory: string, count: number, perCommit: number, released: number[] = []): Promise<string> {
    const spool = openSpool(directory);
    for (let i = 0; i < count; i++) {
      spool.append(event(i));
      if ((i + 1) % perCommit === 0) await spool.commit();
    }
    await spool.commit();
    spool.release(released);
    await spool.close();
    const names = segmentNames(directory);
    assert.equal(names.length, 1);
    return path.join(directory, names[0]!);
  }

  beforeEach(() => {
    diagCapture = captureDiag();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    diagCapture.restore();
    removeAll(made);
  });

  it('a truncated last record: its events are counted, the rest replayed, and the tail cut back', async () => {
    const directory = tempDir(made);
    const file = await filled(directory, 100, 10);
    const records = eventRecords(recordsOf(file));
    assert.equal(records.length, 10);
    const last = records[9]!;
    fs.truncateSync(file, fs.statSync(file).size - 5);
    const spool = openSpool(directory);
    assert.equal(spool.corrupt, 10);
    assert.deepEqual(replayed(spool), range(0, 90));
    assert.equal(spool.recoveredAccepted, 100);
    assert.equal(spool.nextSeq, 100);
    assert.equal(fs.statSync(file).size, last.offset, 'cut back to the end of the last good record');
    assert.equal(diagCapture.capture.matching('warn', /10 event\(s\) lost/).length, 1);
    await spool.close();
    const again = openSpool(directory);
    assert.equal(again.corrupt, 0, 'counted once, at the first start after the damage');
    assert.deepEqual(replayed(again), range(0, 90));
  });

  it('a last record cut inside its header is still counted: the commit mark names its events', async () => {
    const directory = tempDir(made);
    const file = await filled(directory, 100, 10);
    const records = eventRecords(recordsOf(file));
    fs.truncateSync(file, records[9]!.offset + 6);
    const spool = openSpool(directory);
    assert.equal(spool.corrupt, 10);
    assert.deepEqual(replayed(spool), range(0, 90));
    assert.equal(spool.nextSeq, 100);
  });

  it('the last three records lost whole at the end of the newest segment: all their events counted', async () => {
    const directory = tempDir(made);
    const file = await filled(directory, 100, 10);
    fs.truncateSync(file, eventRecords(recordsOf(file))[7]!.offset);
    const spool = openSpool(directory);
    assert.equal(spool.corrupt, 30);
    assert.deepEqual(replayed(spool), range(0, 70));
  });

  it(`random bytes over the middle of a segment: exactly the events of the records they hit are lost (seed ${SEED})`, async () => {
    const prng = createPrng(SEED);
    const directory = tempDir(made);
    // Records of 5 events; events 0-9 were delivered, so damage over their records loses nothing.
    const file = await filled(directory, 100, 5, range(0, 10));
    const records = eventRecords(recordsOf(file));
    const first = prng.int(0, 12);
    const last = prng.int(first, first + 6);
    const from = records[first]!.offset + prng.int(0, 40);
    const to = Math.max(from + 1, records[last]!.offset + prng.int(1, 40));
    const bytes = fs.readFileSync(file);
    // Random, and never the byte that was there.
    for (let i = from; i < to; i++) bytes[i] = (bytes[i]! + prng.int(1, 255)) & 0xff;
    fs.writeFileSync(file, bytes);
    const hit = records.filter((r) => r.offset + r.size > from && r.offset < to).flatMap((r) => r.seqs);
    const lost = hit.filter((seq) => seq >= 10);
    const spool = openSpool(directory);
    assert.equal(spool.corrupt, lost.length, `damage ${from}-${to} over seqs ${hit.join(',')}`);
    assert.deepEqual(
      replayed(spool),
      range(10, 100).filter((seq) => !lost.includes(seq)),
    );
    assert.equal(spool.recoveredAccepted, 90);
    await spool.close();
    assert.equal(openSpool(directory).corrupt, 0);
  });

  it('damage in an older segment, its header included: counted exactly, later segments intact', async () => {
    const directory = tempDir(made);
    const spool = openSpool(directory, 64 * 1024);
    for (let commit = 0; commit < 6; commit++) {
      for (let i = 0; i < 50; i++) spool.append(event(commit * 50 + i));
      await spool.commit();
    }
    await spool.close();
    const names = segmentNames(directory);
    assert.ok(names.length >= 3);
    const file = path.join(directory, names[1]!);
    const records = eventRecords(recordsOf(file));
    const bytes = fs.readFileSync(file);
    bytes[3] ^= 0xff; // the header's magic
    const victim = records[records.length - 1]!;
    bytes[victim.offset + victim.size - 2] ^= 0x01; // one bit of an event's JSON
    fs.writeFileSync(file, bytes);
    const again = openSpool(directory, 64 * 1024);
    assert.equal(again.corrupt, victim.seqs.length);
    assert.deepEqual(
      replayed(again),
      range(0, 300).filter((seq) => !victim.seqs.includes(seq)),
    );
  });

  it('a damaged release record resurrects its events (delivered again, at least once), not counted lost', async () => {
    const directory = tempDir(made);
    const writer = openSpool(directory);
    for (let i = 0; i < 6; i++) writer.append(event(i));
    await writer.commit();
    writer.release([0, 1, 2]);
    await writer.close();
    const file = path.join(directory, segmentNames(directory)[0]!);
    const release = recordsOf(file).find((p) => p.record.type === RecordType.Release)!;
    const bytes = fs.readFileSync(file);
    bytes[release.offset + 14] ^= 0x40;
    fs.writeFileSync(file, bytes);
    const spool = openSpool(directory);
    assert.equal(spool.corrupt, 0);
    assert.deepEqual(replayed(spool), range(0, 6));
  });

  it('an empty segment file, an empty foreign file and a foreign file: start-up succeeds, nothing counted', async () => {
    const directory = tempDir(made);
    await filled(directory, 4, 4);
    fs.writeFileSync(path.join(directory, '0000000000000042.seg'), '');
    fs.writeFileSync(path.join(directory, 'empty'), '');
    fs.writeFileSync(path.join(directory, 'notes.txt'), 'kept by someone else');
    const spool = openSpool(directory);
    assert.equal(spool.corrupt, 0);
    assert.deepEqual(replayed(spool), range(0, 4));
    assert.equal(fs.existsSync(path.join(directory, '0000000000000042.seg')), false, 'a segment whose creation was cut short');
    assert.equal(fs.readFileSync(path.join(directory, 'notes.txt'), 'utf8'), 'kept by someone else');
    assert.equal(fs.existsSync(path.join(directory, 'empty')), true);
    assert.equal(diagCapture.capture.matching('warn', /ignoring 2 file\(s\) that are not the spool's: empty, notes\.txt/).length, 1);
  });

  it('a foreign file named like a segment is moved aside, not read as events, not deleted', async () => {
    const directory = tempDir(made);
    await filled(directory, 3, 3);
    const foreign = path.join(directory, '0000000000000007.seg');
    fs.writeFileSync(foreign, 'this is not a spool segment, but it is long enough to have a header\n'.repeat(20));
    const spool = openSpool(directory);
    assert.equal(spool.corrupt, 0);
    assert.deepEqual(replayed(spool), range(0, 3));
    assert.equal(fs.existsSync(foreign), false);
    assert.match(fs.readFileSync(`${foreign}.bad`, 'utf8'), /not a spool segment/);
    assert.equal(diagCapture.capture.matching('warn', /0000000000000007\.seg is not a readable segment/).length, 1);
  });

  it('a segment cut back to its bare header: every committed event counted lost', async () => {
    const directory = tempDir(made);
    const file = await filled(directory, 8, 8);
    fs.truncateSync(file, 24);
    const spool = openSpool(directory);
    assert.equal(spool.corrupt, 8);
    assert.deepEqual(replayed(spool), []);
    assert.equal(spool.recoveredAccepted, 8);
  });
});
