import assert from 'node:assert/strict';
import { nextSlice } from '../../src/slice-turns.js';

describe('slice turns: one slice of the library\'s sliced work per turn of the event loop', () => {
  it('grants slices one per turn, in the order asked, so slices of different jobs never share a turn', async () => {
    // A ticker that re-arms itself runs exactly once per turn: its count names the turn.
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const slices: { name: string; turn: number }[] = [];
    const job = async (name: string): Promise<void> => {
      for (let slice = 1; slice <= 3; slice++) {
        await nextSlice();
        slices.push({ name: `${name}${slice}`, turn });
      }
    };
    await Promise.all([job('a'), job('b'), job('c')]);
    ticking = false;
    assert.deepEqual(slices.map((s) => s.name), ['a1', 'b1', 'c1', 'a2', 'b2', 'c2', 'a3', 'b3', 'c3']);
    const turns = slices.map((s) => s.turn);
    assert.equal(new Set(turns).size, turns.length, `two slices shared a turn: ${turns.join(' ')}`);
  });
});
