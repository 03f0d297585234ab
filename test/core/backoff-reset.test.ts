import assert from 'node:assert/strict';
import sinon from 'sinon';
import { BatchProcessor } from '../../src/batch-processor.js';
import { FAKE_NOW, FakeExporter, OK, assertAccounting, fakeClock, failure, features } from './support/helpers.js';

describe('review: a success resets the backoff (SPEC §4 rule 3)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = fakeClock();
  });
  afterEach(() => {
    clock.restore();
    sinon.restore();
  });

  it('a size trigger after a successful forceFlush flushes at once, not when an old backoff timer fires', async () => {
    sinon.stub(Math, 'random').returns(0.99);
    let failing = true;
    const exporter = new FakeExporter(() => (failing ? failure() : OK));
    const p = new BatchProcessor(exporter, { flushInterval: 600_000, maxEventInMemory: 2, maxBatchSize: 2, maxBufferedEvents: 4 });
    p.add(features(1, 1)[0]!);
    await p.forceFlush(); // fails: backoff 0.99 × 1 000 = 990 ms
    assert.equal(exporter.calls.length, 1);
    p.add(features(2, 2)[0]!); // pending 2: a size trigger, held by the backoff
    await clock.tickAsync(0);
    assert.equal(exporter.calls.length, 1);

    failing = false;
    await p.forceFlush(); // succeeds ([u1] again, then [u2]): the backoff is reset
    assert.equal(exporter.calls.length, 3);
    assert.equal(p.stats().delivered, 2);

    for (const event of features(3, 4)) p.add(event); // pending reaches maxEventInMemory again
    await clock.tickAsync(0);
    assert.equal(exporter.calls.length, 4, 'the size-triggered flush happens at once');
    assert.equal(exporter.calls[3]!.at, FAKE_NOW);
    for (const event of features(5, 6)) p.add(event);
    await clock.tickAsync(0);
    assert.equal(exporter.calls.length, 5);
    const s = p.stats();
    assert.equal(s.delivered, 6);
    assert.equal(s.dropped.overflow, 0, 'no event is lost to overflow while the endpoint is healthy');
    assertAccounting(p);
    await p.shutdown();
  });
});
