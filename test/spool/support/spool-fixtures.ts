import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FeatureEvent } from '../../../src/events.js';
import { readRecord, RecordType, type SpoolRecord } from '../../../src/spool/record-format.js';
import { SEGMENT_FILE, scanSegment } from '../../../src/spool/segment-reader.js';

/** A valid feature event recognisable by its userKey `u<i>`. */
export function event(i: number): FeatureEvent {
  return { kind: 'feature', userKey: `u${i}`, creationDate: 1_700_000_000 + i, key: 'flag', variation: 'on', value: i, default: false };
}

/** A fresh directory under the OS temp dir; removed by `removeAll`. */
export function tempDir(made: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-spool-'));
  made.push(dir);
  return dir;
}

export function removeAll(made: string[]): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function segmentNames(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => SEGMENT_FILE.test(name)).sort();
}

/** A record of a segment file with where it lies in it. */
export interface PlacedRecord {
  record: SpoolRecord;
  offset: number;
  size: number;
}

/** Every record of an intact segment, with offsets, to aim damage at known records. */
export function recordsOf(file: string): PlacedRecord[] {
  const bytes = fs.readFileSync(file);
  const placed: PlacedRecord[] = [];
  let offset = 24;
  while (offset < bytes.length) {
    const result = readRecord(bytes, offset);
    if (result.kind !== 'record') throw new Error(`${file} is not intact at ${offset}`);
    placed.push({ record: result.record, offset, size: result.size });
    offset += result.size;
  }
  return placed;
}

/** The seqs of an EVENTS record, in order. */
export function seqsOf(record: SpoolRecord): number[] {
  const seqs: number[] = [];
  for (let i = 0; i < record.runs.length; i += 2) for (let s = record.runs[i]!; s < record.runs[i + 1]!; s++) seqs.push(s);
  return seqs;
}

/** The seqs of every event stored (as JSON) in the segments of a directory. */
export function storedSeqs(dir: string): number[] {
  const seqs: number[] = [];
  for (const name of segmentNames(dir)) {
    const scan = scanSegment(fs.readFileSync(path.join(dir, name)), 0, name);
    for (const record of scan.records) {
      if (record.type !== RecordType.Events) continue;
      seqsOf(record).forEach((seq, i) => record.lines[i] !== '' && seqs.push(seq));
    }
  }
  return seqs.sort((a, b) => a - b);
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** Runs a fixture under tsx and collects its output; SIGKILLs it after `limitMs`. */
export function runFixture(file: string, args: string[], limitMs = 15_000): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The JSON a fixture printed on its `result ` line. */
export function resultOf<T>(exit: ChildExit): T {
  const line = exit.stdout.split('\n').find((l) => l.startsWith('result '));
  if (line === undefined) throw new Error(`no result line (exit ${exit.code} ${exit.signal})\n${exit.stdout}\n${exit.stderr}`);
  return JSON.parse(line.slice('result '.length)) as T;
}
