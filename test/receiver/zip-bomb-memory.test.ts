import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/receiver-options.js';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('./fixtures/zip-bomb-child.cts', import.meta.url));

interface BombReport {
  warmUp: number;
  bombStatus: number;
  afterStatus: number;
  bombBytes: number;
  peakRssGrowth: number;
  peakExternalGrowth: number;
}

/** The receiver in a process of its own, so the memory measured is its alone. */
async function bombed(mode: 'node' | 'fetch'): Promise<BombReport> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--require', 'tsx/cjs', FIXTURE, mode], { timeout: 60_000 });
  return JSON.parse(stdout.trim()) as BombReport;
}

const MiB = 1024 * 1024;
/** Inflating past the limit must not happen: the bomb inflates to 1 GiB, the default limit is 32 MiB. */
const BOUND = 3 * DEFAULT_MAX_BODY_BYTES;

describe('a signed 1 GiB gzip bomb at the default limits: 413, with the receiver’s memory bounded (SPEC §11)', function () {
  this.timeout(90_000);

  for (const mode of ['node', 'fetch'] as const) {
    it(`${mode === 'node' ? 'createReceiver (node:http)' : 'createFetchReceiver'}: 413, peak RSS grows by under 3 × maxBodyBytes, then serves on`, async () => {
      const report = await bombed(mode);
      console.log(
        `      ${mode}: ${(report.bombBytes / MiB).toFixed(1)} MiB on the wire (1 GiB inflated); peak RSS +${(report.peakRssGrowth / MiB).toFixed(0)} MiB, ` +
          `external +${(report.peakExternalGrowth / MiB).toFixed(0)} MiB`,
      );
      assert.equal(report.warmUp, 204, 'a gzip delivery is accepted');
      assert.equal(report.bombStatus, 413);
      assert.equal(report.afterStatus, 204, 'still serving');
      assert.ok(report.peakRssGrowth < BOUND, `peak RSS grew by ${report.peakRssGrowth} bytes`);
      assert.ok(report.peakExternalGrowth < BOUND, `external memory grew by ${report.peakExternalGrowth} bytes`);
    });
  }
});
