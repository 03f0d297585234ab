import { StringDecoder } from 'node:string_decoder';

/** One line of input, numbered from 1, without its line ending. */
export type NdjsonLine =
  | { kind: 'line'; number: number; text: string }
  /** A line longer than `maxLineLength` characters: skipped without being kept in memory. */
  | { kind: 'too-long'; number: number };

export interface ReadLinesOptions {
  /** Longest line kept, in UTF-16 units; longer ones are reported as 'too-long'. */
  maxLineLength?: number;
  /** Called with the size of every chunk read, for progress. */
  onBytes?: (bytes: number) => void;
}

/** 32 MiB: the receiver's default body cap, so a longer event could never be delivered. */
export const DEFAULT_MAX_LINE_LENGTH = 32 * 1024 * 1024;

/**
 * Splits a byte stream into lines (LF or CRLF; a BOM at the start is dropped).
 * Reads one chunk at a time, so the consumer's pace is the stream's pace.
 */
export async function* readLines(input: AsyncIterable<Buffer | string>, options: ReadLinesOptions = {}): AsyncGenerator<NdjsonLine> {
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  const decoder = new StringDecoder('utf8');
  let buffered = '';
  let skipping = false; // inside a line already known to be too long
  let number = 0;

  const finish = (piece: string): NdjsonLine => {
    number++;
    const text = buffered + piece;
    buffered = '';
    if (skipping || text.length > maxLineLength) {
      skipping = false;
      return { kind: 'too-long', number };
    }
    let line = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (number === 1 && line.startsWith('\uFEFF')) line = line.slice(1);
    return { kind: 'line', number, text: line };
  };

  const keep = (rest: string): void => {
    if (skipping) return;
    buffered += rest;
    if (buffered.length > maxLineLength) {
      skipping = true;
      buffered = '';
    }
  };

  for await (const chunk of input) {
    options.onBytes?.(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      yield finish(text.slice(start, newline));
      start = newline + 1;
    }
    keep(text.slice(start));
  }
  keep(decoder.end());
  if (skipping || buffered !== '') yield finish('');
}
