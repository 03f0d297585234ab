import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readLines, type NdjsonLine } from '../../src/cli/ndjson.js';

async function lines(chunks: (string | Buffer)[], maxLineLength?: number): Promise<NdjsonLine[]> {
  const out: NdjsonLine[] = [];
  for await (const line of readLines(Readable.from(chunks, { objectMode: true }), { maxLineLength })) out.push(line);
  return out;
}

const text = (number: number, value: string): NdjsonLine => ({ kind: 'line', number, text: value });

describe('readLines (NDJSON reader)', () => {
  it('numbers lines from 1, handles LF and CRLF, keeps blank lines for the caller, drops a leading BOM', async () => {
    assert.deepEqual(await lines(['\uFEFFa\r\nb\n\n  \nc']), [text(1, 'a'), text(2, 'b'), text(3, ''), text(4, '  '), text(5, 'c')]);
  });

  it('joins lines split across chunks, including inside a multi-byte character', async () => {
    const bytes = Buffer.from('{"v":"é€"}\n{"v":2}\n');
    const split = [bytes.subarray(0, 8), bytes.subarray(8, 9), bytes.subarray(9)];
    assert.deepEqual(await lines(split), [text(1, '{"v":"é€"}'), text(2, '{"v":2}')]);
  });

  it('yields nothing for empty input and no phantom line after a final newline', async () => {
    assert.deepEqual(await lines([]), []);
    assert.deepEqual(await lines(['x\n']), [text(1, 'x')]);
  });

  it('reports an over-long line by number without keeping it, and goes on', async () => {
    assert.deepEqual(await lines(['ok\n', 'x'.repeat(6), 'x'.repeat(6), '\nfine\n', 'y'.repeat(20)], 10), [
      text(1, 'ok'),
      { kind: 'too-long', number: 2 },
      text(3, 'fine'),
      { kind: 'too-long', number: 4 },
    ]);
  });
});
