import { open, type FileHandle } from 'node:fs/promises';

/**
 * Appends values to a file as NDJSON, one value per line. Writes are queued so
 * batches that arrive together never interleave their lines.
 */
export class NdjsonAppender {
  private tail: Promise<void> = Promise.resolve();

  private constructor(private readonly file: FileHandle) {}

  static async open(path: string): Promise<NdjsonAppender> {
    return new NdjsonAppender(await open(path, 'a'));
  }

  /** Resolves once the lines are written; rejects if the write fails (the next write still runs). */
  append(values: readonly unknown[]): Promise<void> {
    const text = values.map((value) => `${JSON.stringify(value)}\n`).join('');
    const write = this.tail.then(() => this.file.appendFile(text, 'utf8'));
    this.tail = write.catch(() => undefined);
    return write;
  }

  async close(): Promise<void> {
    await this.tail;
    await this.file.close();
  }
}
