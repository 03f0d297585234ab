// add() alone: ns per call, amortized over many calls, against an exporter that
// succeeds at once so nothing but the processor is timed. Flushes run between
// timed slices, as they would between an application's bursts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { config, loadCore, runScenario, sinkExporter, yieldToLoop } from '../child.mjs';
import { makeEvents } from '../events.mjs';

const SLICE = 10_000;
const POOL = 100_000;

const { BatchProcessor } = await loadCore();
const sink = sinkExporter();
// With config.spool, every add() also goes to a durable spool (SPEC §10) in a fresh directory.
const spool = config.spool ? { spool: { directory: mkdtempSync(join(tmpdir(), 'bench-spool-')) } } : {};
const processor = new BatchProcessor(sink, {
  ...spool,
  flushInterval: 60_000,
  maxEventInMemory: 100_000,
  maxBufferedEvents: 400_000,
  maxBatchSize: 100_000,
  exportTimeout: 30_000,
});
const events = makeEvents(POOL);

/** Total ns spent inside add() for `count` calls. */
async function timeAdds(count) {
  let ns = 0n;
  for (let done = 0, k = 0; done < count; done += SLICE) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < SLICE; j++, k++) processor.add(events[k % POOL]);
    ns += process.hrtime.bigint() - t0;
    await yieldToLoop();
    // Untimed: let the flush catch up, as between an application's bursts. Batches are now
    // encoded in slices that leave the loop free, so a loop adding 10,000 events per turn
    // (50 M/s) would otherwise outrun them and overflow.
    if (processor.stats().pending >= 100_000) await processor.forceFlush();
  }
  return Number(ns);
}

runScenario(async () => {
  await timeAdds(Math.max(SLICE, Math.round(config.adds / 5)));
  const count = Math.max(SLICE, Math.ceil(config.adds / SLICE) * SLICE);
  const ns = await timeAdds(count);
  await processor.shutdown();
  const stats = processor.stats();
  if (stats.dropped.overflow + stats.dropped.invalid !== 0) throw new Error(`add() dropped events: ${JSON.stringify(stats)}`);
  return { nsPerAdd: ns / count, adds: count };
});
