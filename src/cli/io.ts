import type { Readable, Writable } from 'node:stream';

/** An output stream that may be a terminal (as process.stdout/stderr are). */
export type OutStream = Writable & { isTTY?: boolean; columns?: number };

/** The streams and environment a command uses; injectable so commands run in-process too. */
export interface CliIo {
  stdin: Readable;
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Writes one line. */
export function println(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}
