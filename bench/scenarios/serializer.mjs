// The body serializer at a number of distinct flags (issue 9): ns per event of
// ours (validate + encode, as a batch is formed) beside JSON.stringify +
// Buffer.from of the same batch, which is what a hand-rolled exporter does.
import { config, loadCore, runScenario } from '../child.mjs';
import { makeEvent } from '../events.mjs';

const { serializeBatch } = await loadCore();
const meta = { hostname: 'bench' };
const events = Array.from({ length: config.events }, (_, i) => ({ ...makeEvent(i), key: `flag-${i % config.flags}` }));

function time(fn) {
  let best = Infinity;
  for (let r = 0; r < config.repeats; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0));
  }
  return best / events.length;
}

runScenario(async () => {
  const ours = serializeBatch(meta, events);
  const plain = Buffer.from(JSON.stringify({ meta, events }));
  if (ours.eventCount !== events.length) throw new Error(`${events.length - ours.eventCount} events refused`);
  if (ours.body.length !== plain.length) throw new Error(`bodies differ: ${ours.body.length} against ${plain.length} bytes`);
  const nsOurs = time(() => serializeBatch(meta, events));
  const nsStringify = time(() => Buffer.from(JSON.stringify({ meta, events })));
  return { nsOurs, nsStringify, flags: config.flags };
});
