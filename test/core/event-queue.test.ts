import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EventQueue } from '../../src/event-queue.js';

describe('EventQueue: a FIFO that grows by chunks', () => {
  it('behaves as an array used as a queue, across chunk boundaries (property)', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 1, max: 9_000 }) }),
      fc.record({ shift: fc.integer({ min: 1, max: 9_000 }) }),
      fc.record({ at: fc.integer({ min: -1, max: 20_000 }) }),
      fc.constant({ clear: true }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const queue = new EventQueue<number>();
        const model: number[] = [];
        let seq = 0;
        let headSeq = 0;
        for (const step of ops) {
          if ('push' in step) {
            for (let i = 0; i < step.push; i++) {
              queue.push(seq);
              model.push(seq++);
            }
          } else if ('shift' in step) {
            const taken = queue.take(step.shift);
            assert.deepEqual(taken, model.splice(0, step.shift));
            headSeq += taken.length;
          } else if ('at' in step) {
            assert.equal(queue.at(step.at), step.at >= 0 ? model[step.at] : undefined);
          } else {
            headSeq += model.length;
            model.length = 0;
            queue.clear();
          }
          assert.equal(queue.length, model.length);
          assert.equal(queue.headSeq, headSeq);
          assert.equal(queue.tailSeq, headSeq + model.length);
          assert.equal(queue.peek(), model[0]);
        }
      }),
      { numRuns: 200 },
    );
  });
});
