// Micro-benchmark of the body serializer (after `npm run build`):
//   node bench/micro/serialize.mjs
// serializeBatch from dist/ against JSON.stringify of the same events (what the
// raw limit does, not Go-compatible in general) and a candidate serializer
// (canonical objects + one JSON.stringify), on plain events and on events
// shaped as FeatureEventHook builds them (one frozen metadata map shared).
import { serializeBatch } from '../../dist/esm/src/serialize.js';
import { makeEvents } from '../events.mjs';
import { serializeBatchCanon } from './canonical-candidate.mjs';

const meta = { hostname: 'host' };
const N = 1_000;
const B = 40;
const plain = Array.from({ length: B }, (_, b) => makeEvents(N, b * N));
const frozenMeta = Object.freeze({ provider: 'in-memory', reason: 'STATIC' });
const hookShaped = plain.map((batch) => batch.map((e) => ({ ...e, metadata: frozenMeta })));

for (const [name, batches] of [['plain', plain], ['hook-shaped', hookShaped]]) {
  const same = serializeBatch(meta, batches[0]).body.equals(serializeBatchCanon(meta, batches[0]).body);
  console.log(`${name}: candidate gives the same bytes: ${same}`);
}

const variants = {
  'serializeBatch, plain events': () => plain.map((b) => serializeBatch(meta, b).body),
  'candidate, plain events': () => plain.map((b) => serializeBatchCanon(meta, b).body),
  'serializeBatch, hook-shaped events': () => hookShaped.map((b) => serializeBatch(meta, b).body),
  'candidate, hook-shaped events': () => hookShaped.map((b) => serializeBatchCanon(meta, b).body),
  'JSON.stringify + Buffer.from (raw limit)': () => plain.map((b) => Buffer.from(JSON.stringify({ meta, events: b }))),
};
const best = {};
for (let round = 0; round < 10; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const t0 = process.hrtime.bigint();
    run();
    best[name] = Math.min(best[name] ?? Infinity, Number(process.hrtime.bigint() - t0) / (N * B));
  }
}
for (const [name, ns] of Object.entries(best)) console.log(`${name.padEnd(42)} ${ns.toFixed(0).padStart(5)} ns/event (best of 10)`);
