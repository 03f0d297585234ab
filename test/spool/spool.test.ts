import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import sinon from 'sinon';
import { COMMIT_EVENTS, Spool } from '../../src/spool/spool.js';
import { serializeEvent } from '../../src/serialize.js';
import type { ExportableEvent } from '../../src/events.js';
import { storedSeqs, event, removeAll, segmentNames, tempDir } from './support/spool-fixtures.js';

function userKeys(events: readonly ExportableEvent[]): string[] {
  return events.map((e) => e.userKey);
}

describe('Spool: append, commit, replay, release', function () {
  const made: string[] = [];
  const open: Spool[] = [];
  const openSpool = (options: Parameters<typeof Spool.open>[0]): Spool => {
    const spool = Spool.open(options);
    open.push(spool);
    return spool;
  };
  /** Closes `spool` and opens the directory again, as a restart would. */
  const restart = async (spool: Spool, directory: string, extra: { maxBytes?: number } = {}): Promise<Spool> => {
    await spool.close();
    return openSpool({ directory, ...extra });
  };

  afterEach(async () => {
    sinon.restore();
    await Promise.all(open.splice(0).map((s) => s.close()));
    removeAll(made);
  });

  it('replays what was appended and not released, in append order, pending unless formed', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory });
    const seqs = [0, 1, 2, 3, 4, 5].map((i) => spool.append(event(i)));
    assert.deepEqual(seqs, [0, 1, 2, 3, 4, 5]);
    spool.formed('batch-a', [0, 1]);
    spool.release([2]);
    await spool.commit();
    const again = await restart(spool, directory);
    assert.deepEqual(
      again.recovered.map((b) => ({ id: b.id, keys: userKeys(b.events), seqs: b.seqs })),
      [
        { id: 'batch-a', keys: ['u0', 'u1'], seqs: [0, 1] },
        { id: undefined, keys: ['u3', 'u4', 'u5'], seqs: [3, 4, 5] },
      ],
    );
    assert.equal(again.corrupt, 0);
    assert.equal(again.recoveredAccepted, 5);
    assert.equal(again.nextSeq, 6);
    // What is replayed is what the exporter would have sent.
    assert.equal(serializeEvent(again.recovered[1]!.events[0]!), serializeEvent(event(3)));
  });

  it('replays events with any text exactly: non-ASCII, escapes, lone surrogates, invalid ones beside them', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory });
    const values = ['żółć ✓ 😀', 'tab\tquote"backslash\\', '\ud800 alone', { nested: ['\u2028', 1.5e-7, -0] }, ''];
    values.forEach((value, i) => spool.append({ ...event(i), value }));
    spool.append({ ...event(9), value: 10n as never });
    const again = await restart(spool, directory);
    const replayedEvents = again.recovered.flatMap((b) => b.events);
    assert.deepEqual(
      replayedEvents.map((e) => serializeEvent(e)),
      values.map((value, i) => serializeEvent({ ...event(i), value })),
    );
    assert.equal(again.recoveredInvalid, 1);
  });

  it('append() does no I/O: nothing reaches the disk before a commit', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory });
    const [segment] = segmentNames(directory);
    const before = fs.statSync(path.join(directory, segment!)).size;
    for (let i = 0; i < 100; i++) spool.append(event(i));
    assert.equal(fs.statSync(path.join(directory, segment!)).size, before);
    assert.equal(spool.stats().unpersisted, 100);
    assert.equal(spool.durableSeq, 0);
    await spool.commit();
    assert.ok(fs.statSync(path.join(directory, segment!)).size > before);
    assert.equal(spool.stats().unpersisted, 0);
    assert.equal(spool.durableSeq, 100);
  });

  it('commits on its own every syncEvery ms, on an unref’d timer', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const directory = tempDir(made);
    const spool = openSpool({ directory, syncEvery: 50 });
    spool.append(event(1));
    clock.tick(49);
    await nextTurn();
    assert.equal(spool.durableSeq, 0);
    clock.tick(1);
    // The commit's I/O is real: wait for it by turns of the event loop, not by time.
    for (let turns = 0; spool.durableSeq === 0 && turns < 10_000; turns++) await nextTurn();
    assert.equal(spool.durableSeq, 1);
    assert.deepEqual(storedSeqs(directory), [0]);
  });

  it('a later formed record replaces an earlier one (a 413 split into halves with new ids)', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory });
    for (let i = 0; i < 6; i++) spool.append(event(i));
    spool.formed('whole', [0, 1, 2, 3, 4, 5]);
    await spool.commit();
    spool.formed('half-1', [0, 1, 2]);
    spool.formed('half-2', [3, 4, 5]);
    spool.release([1]); // a 413 to a single event drops it alone
    await spool.commit();
    const again = await restart(spool, directory);
    assert.deepEqual(
      again.recovered.map((b) => [b.id, b.seqs]),
      [
        ['half-1', [0, 2]],
        ['half-2', [3, 4, 5]],
      ],
    );
  });

  it('a batch formed from replayed and new events is replayed as one batch under its id', async () => {
    const directory = tempDir(made);
    let spool = openSpool({ directory });
    for (let i = 0; i < 3; i++) spool.append(event(i));
    spool.release([1]);
    spool = await restart(spool, directory);
    assert.deepEqual(spool.recovered.map((b) => b.seqs), [[0, 2]]);
    const fresh = [spool.append(event(10)), spool.append(event(11))];
    spool.formed('mixed', [0, 2, ...fresh]);
    spool = await restart(spool, directory);
    assert.deepEqual(
      spool.recovered.map((b) => [b.id, userKeys(b.events)]),
      [['mixed', ['u0', 'u2', 'u10', 'u11']]],
    );
  });

  it('events released before their commit are never written, and are not counted lost', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory });
    for (let i = 0; i < 5; i++) spool.append(event(i));
    spool.release([1, 3]);
    await spool.commit();
    assert.deepEqual(storedSeqs(directory), [0, 2, 4]);
    const again = await restart(spool, directory);
    assert.equal(again.corrupt, 0);
    assert.deepEqual(again.recovered.map((b) => b.seqs), [[0, 2, 4]]);
  });

  it('an event JSON cannot carry is stored as invalid and counted once, at the next start', async () => {
    const directory = tempDir(made);
    let spool = openSpool({ directory });
    spool.append(event(0));
    spool.append({ ...event(1), value: Number.NaN });
    spool.append(event(2));
    spool = await restart(spool, directory);
    assert.equal(spool.recoveredInvalid, 1);
    assert.equal(spool.corrupt, 0);
    assert.deepEqual(spool.recovered.map((b) => b.seqs), [[0, 2]]);
    assert.equal(spool.recoveredAccepted, 3);
    spool = await restart(spool, directory);
    assert.equal(spool.recoveredInvalid, 0, 'released at the first start: not counted again');
    assert.equal(spool.recoveredAccepted, 2);
  });

  it('seqs go on across restarts, also once everything is released', async () => {
    const directory = tempDir(made);
    let spool = openSpool({ directory });
    const seqs = [spool.append(event(0)), spool.append(event(1))];
    spool.release(seqs);
    spool = await restart(spool, directory);
    assert.equal(spool.nextSeq, 2);
    assert.deepEqual(spool.recovered, []);
    assert.equal(spool.append(event(2)), 2);
  });

  it('deletes a segment once every event it holds is released, oldest first', async () => {
    const directory = tempDir(made);
    // 64 KiB cap: 8 KiB segments, so a few commits make several.
    const spool = openSpool({ directory, maxBytes: 64 * 1024 });
    const batches: number[][] = [];
    for (let b = 0; b < 4; b++) {
      const seqs: number[] = [];
      for (let i = 0; i < 60; i++) seqs.push(spool.append(event(b * 100 + i)));
      batches.push(seqs);
      await spool.commit();
    }
    const segments = segmentNames(directory);
    assert.ok(segments.length >= 3, `segments: ${segments.join(', ')}`);
    // Releasing a later batch first frees nothing: an older segment still needs its releases.
    spool.release(batches[2]!);
    await spool.commit();
    const afterLater = segmentNames(directory);
    for (const name of segments) assert.ok(afterLater.includes(name), `${name} was deleted`);
    spool.release([...batches[0]!, ...batches[1]!, ...batches[3]!]);
    await spool.commit();
    assert.deepEqual(segmentNames(directory), [afterLater[afterLater.length - 1]], 'only the active segment is left');
    const again = await restart(spool, directory);
    assert.deepEqual(again.recovered, []);
    assert.equal(again.nextSeq, 240);
  });

  it('past maxBytes it asks for the oldest events to go, and their segments go once released', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory, maxBytes: 64 * 1024 });
    const asked: number[] = [];
    spool.onOverflow = (below) => asked.push(below);
    let next = 0;
    while (asked.length === 0) {
      for (let i = 0; i < 100; i++) spool.append(event(next++));
      await spool.commit();
    }
    const below = asked[0]!;
    assert.ok(below > 0 && below < next, `below ${below} of ${next}`);
    assert.ok(spool.diskBytes > 64 * 1024);
    spool.release(Array.from({ length: below }, (_, i) => i));
    await spool.commit();
    assert.ok(spool.diskBytes <= 64 * 1024, `${spool.diskBytes} bytes after release`);
    const again = await restart(spool, directory, { maxBytes: 64 * 1024 });
    const replayed = again.recovered.flatMap((b) => b.seqs);
    assert.equal(replayed[0], below);
    assert.equal(replayed.length, next - below);
  });

  it('a commit that alone passes maxBytes asks for everything committed to go', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory, maxBytes: 64 * 1024 });
    const asked: number[] = [];
    spool.onOverflow = (below) => asked.push(below);
    for (let i = 0; i < 600; i++) spool.append(event(i)); // about 80 KiB, all in the active segment
    await spool.commit();
    assert.ok(spool.diskBytes > 64 * 1024);
    assert.deepEqual(asked, [600]);
    spool.release(Array.from({ length: 600 }, (_, i) => i));
    spool.append(event(600));
    await spool.commit();
    assert.ok(spool.diskBytes < 8 * 1024, `${spool.diskBytes} bytes`);
    assert.equal(segmentNames(directory).length, 1);
    assert.deepEqual(asked, [600]);
  });

  it('release() of a seq not handed out yet is ignored', async () => {
    const directory = tempDir(made);
    let spool = openSpool({ directory });
    spool.release([0, 1]);
    spool.append(event(0));
    spool = await restart(spool, directory);
    assert.deepEqual(spool.recovered.map((b) => b.seqs), [[0]]);
  });

  it('serializes a big commit in slices, giving the event loop turns in between', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory });
    for (let i = 0; i < 5_000; i++) spool.append(event(i));
    let turns = 0;
    let done = false;
    const commit = spool.commit().then(() => (done = true));
    while (!done) {
      await nextTurn();
      turns++;
    }
    await commit;
    assert.ok(turns >= Math.floor(5_000 / 512), `only ${turns} turns during the commit`);
  });

  it('concurrent commit() calls share the next commit, and each covers what came before it', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory });
    spool.append(event(0));
    const first = spool.commit();
    spool.append(event(1));
    const second = spool.commit();
    spool.append(event(2));
    const third = spool.commit();
    assert.equal(second, third);
    await first;
    await second;
    assert.equal(spool.durableSeq, 3);
  });

  it('a large backlog is committed in synced steps: a batch record is on disk after the step holding its events', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory, syncEvery: 3_600_000 });
    for (let i = 0; i < 20_000; i++) spool.append(event(i));
    const recorded = spool.formed('first-batch', Array.from({ length: 100 }, (_, i) => i));
    const committed = spool.commit();
    let whole = false;
    void committed.then(() => (whole = true));
    await recorded;
    assert.equal(whole, false, 'the record did not wait for the whole backlog');
    assert.ok(spool.durableSeq >= 100 && spool.durableSeq < 20_000, `durable below ${spool.durableSeq}`);
    await committed;
    assert.equal(spool.durableSeq, 20_000);
    const again = await restart(spool, directory);
    assert.deepEqual(again.recovered[0]!.id, 'first-batch');
    assert.equal(again.recovered[0]!.seqs.length, 100);
    assert.equal(again.recoveredAccepted, 20_000);
  });

  it('a batch record whose events are on disk already waits for the step running, not for one more step of backlog', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory, syncEvery: 3_600_000 });
    for (let i = 0; i < 4 * COMMIT_EVENTS; i++) spool.append(event(i));
    const committed = spool.commit();
    // By turns of the event loop, until the first step is on disk and the next is under way.
    while (spool.durableSeq === 0) await new Promise((resolve) => setImmediate(resolve));
    const before = spool.durableSeq;
    await spool.formed('ahead', Array.from({ length: 100 }, (_, i) => i));
    assert.ok(
      spool.durableSeq <= before + COMMIT_EVENTS,
      `the record waited for ${(spool.durableSeq - before) / COMMIT_EVENTS} steps of backlog`,
    );
    await committed;
    const again = await restart(spool, directory);
    assert.equal(again.recovered[0]!.id, 'ahead');
    assert.equal(again.recovered[0]!.seqs.length, 100);
  });

  it('close() commits what is left and releases the lock; the spool ignores calls after it', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory });
    spool.append(event(0));
    await spool.close();
    await spool.close();
    assert.equal(fs.existsSync(path.join(directory, 'LOCK')), false);
    spool.append(event(1));
    spool.release([0]);
    const again = openSpool({ directory });
    assert.deepEqual(again.recovered.map((b) => b.seqs), [[0]]);
  });

  it('encodedOf() cuts a batch body from the committed bytes, exactly what the exporter would serialize', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory });
    spool.retainEncoded = true;
    const events: ExportableEvent[] = [event(0), { ...event(1), value: 'żółć ✓ 😀' }, { ...event(2), value: Number.NaN }, event(3)];
    for (const e of events) spool.append(e);
    assert.equal(spool.encodedOf([0, 1]), undefined, 'not committed yet');
    await spool.commit();
    for (let i = 4; i < 70; i++) spool.append(event(i)); // a second commit: other groups
    await spool.commit();
    const body = (seqs: number[]): string | undefined => {
      const encoded = spool.encodedOf(seqs);
      if (encoded === undefined) return undefined;
      const bytes = Buffer.concat(encoded.chunks);
      assert.equal(bytes.length, encoded.byteLength);
      return bytes.toString('utf8');
    };
    const expected = (indexes: number[]): string =>
      `[${indexes.map((i) => serializeEvent(i < events.length ? events[i]! : event(i))).join(',')}]`;
    assert.equal(body([0, 1, 3]), expected([0, 1, 3]));
    assert.equal(body([3, 4, 5, 69]), expected([3, 4, 5, 69]));
    assert.equal(body([1, 5, 6, 7, 40]), expected([1, 5, 6, 7, 40]));
    assert.equal(body([]), '[]');
    assert.equal(body([2]), undefined, 'an invalid event has no JSON');
    assert.equal(body([70]), undefined, 'never appended');
    spool.release([0, 1, 2, 3]);
    await spool.commit();
    assert.equal(body([0]), undefined, 'released: no longer kept');
    assert.equal(body([4]), expected([4]));
  });

  it('encodedOf() gives nothing without retainEncoded, nor for replayed events', async () => {
    const directory = tempDir(made);
    const spool = openSpool({ directory });
    spool.append(event(0));
    await spool.commit();
    assert.equal(spool.encodedOf([0]), undefined);
    const again = await restart(spool, directory);
    again.retainEncoded = true;
    assert.equal(again.encodedOf([0]), undefined);
  });

  describe('options', () => {
    it('names the option a bad value was given for', () => {
      const directory = tempDir(made);
      assert.throws(() => Spool.open({} as never), { name: 'TypeError', message: /spool\.directory must be a string/ });
      assert.throws(() => Spool.open({ directory: '' }), { name: 'RangeError', message: /spool\.directory/ });
      assert.throws(() => Spool.open({ directory, maxBytes: 1000 }), { name: 'RangeError', message: /spool\.maxBytes/ });
      assert.throws(() => Spool.open({ directory, maxBytes: '1' as never }), { name: 'TypeError', message: /spool\.maxBytes/ });
      assert.throws(() => Spool.open({ directory, syncEvery: 0 }), { name: 'RangeError', message: /spool\.syncEvery/ });
      assert.throws(() => Spool.open({ directory, syncEvery: 2 ** 31 }), { name: 'RangeError', message: /spool\.syncEvery/ });
      assert.throws(() => Spool.open(null as never), { name: 'TypeError', message: /option spool must be an object/ });
    });

    it('a path that is a file is a clear error naming it', () => {
      const file = path.join(tempDir(made), 'not-a-dir');
      fs.writeFileSync(file, 'x');
      assert.throws(() => Spool.open({ directory: file }), (error: Error) => {
        assert.match(error.message, /spool\.directory .*not-a-dir cannot be used/);
        return true;
      });
    });
  });
});
