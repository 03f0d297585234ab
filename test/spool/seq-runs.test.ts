import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SeqRangeSet, runsOf } from '../../src/spool/seq-runs.js';

describe('spool seq runs', () => {
  it('runsOf folds consecutive seqs into half-open runs', () => {
    assert.deepEqual(runsOf([3, 4, 5, 9, 10, 20]), [3, 6, 9, 11, 20, 21]);
    assert.deepEqual(runsOf([]), []);
  });

  it('the watermark moves up as gaps close, in any order', () => {
    const set = new SeqRangeSet(10);
    set.add(12, 14);
    set.add(16, 17);
    assert.equal(set.low, 10);
    set.add(10, 12);
    assert.equal(set.low, 14);
    set.add(14, 16);
    assert.equal(set.low, 17);
    assert.equal(set.has(9), true);
    assert.equal(set.has(17), false);
  });

  it('behaves as a plain set of numbers (property)', () => {
    const op = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 8 }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.array(op, { maxLength: 40 }), (low, adds) => {
        const set = new SeqRangeSet(low);
        const model = new Set<number>();
        for (let s = 0; s < low; s++) model.add(s);
        for (const [start, length] of adds) {
          set.add(start, start + length);
          for (let s = start; s < start + length; s++) model.add(s);
        }
        let expectedLow = 0;
        while (model.has(expectedLow)) expectedLow++;
        assert.equal(set.low, expectedLow);
        for (let s = 0; s < 75; s++) assert.equal(set.has(s), model.has(s), `has(${s})`);
        const gaps: number[] = [];
        set.forEachGap(5, 70, (from, to) => {
          for (let s = from; s < to; s++) gaps.push(s);
        });
        const expectedGaps: number[] = [];
        for (let s = 5; s < 70; s++) if (!model.has(s)) expectedGaps.push(s);
        assert.deepEqual(gaps, expectedGaps);
        for (const [start, length] of adds.slice(0, 5)) {
          const runs = [start, start + length + 1];
          let all = true;
          for (let s = start; s < start + length + 1; s++) all &&= model.has(s);
          assert.equal(set.hasAll(runs), all, `hasAll(${runs.join(',')})`);
        }
      }),
      { numRuns: 500 },
    );
  });
});
