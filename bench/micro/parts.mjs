// Where serializeBatch's time goes: per-event strings, join, UTF-8 encoding.
//   node bench/micro/parts.mjs   (after npm run build)
import { serializeEvent } from '../../dist/esm/src/serialize.js';
import { makeEvents } from '../events.mjs';

const N = 1_000;
const B = 40;
const batches = Array.from({ length: B }, (_, b) => makeEvents(N, b * N));
const strings = batches.map((batch) => batch.map((event) => serializeEvent(event)));
const joined = strings.map((parts) => parts.join(','));
const stringified = batches.map((batch) => JSON.stringify(batch));

const variants = {
  'serializeEvent per event': () => batches.map((batch) => batch.map((event) => serializeEvent(event))),
  'join of the event strings': () => strings.map((parts) => parts.join(',')),
  'Buffer.from(joined, utf8)': () => joined.map((json) => Buffer.from(json, 'utf8')),
  'Buffer.from(joined, latin1)': () => joined.map((json) => Buffer.from(json, 'latin1')),
  'JSON.stringify(batch)': () => batches.map((batch) => JSON.stringify(batch)),
  'Buffer.from(stringified)': () => stringified.map((json) => Buffer.from(json)),
};
const best = {};
for (let round = 0; round < 15; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const t0 = process.hrtime.bigint();
    run();
    best[name] = Math.min(best[name] ?? Infinity, Number(process.hrtime.bigint() - t0) / (N * B));
  }
}
for (const [name, ns] of Object.entries(best)) console.log(`${name.padEnd(32)} ${ns.toFixed(0).padStart(5)} ns/event (best of 15)`);

function writeDirect(parts) {
  let total = 64;
  for (let i = 0; i < parts.length; i++) total += parts[i].length + 1;
  let buf = Buffer.allocUnsafe(total);
  let off = buf.latin1Write('{"meta":{"hostname":"host"},"events":[', 0);
  for (let i = 0; i < parts.length; i++) {
    const s = parts[i];
    if (buf.length - off < s.length * 3 + 3 && buf.length - off < Buffer.byteLength(s) + 3) {
      const bigger = Buffer.allocUnsafe(buf.length * 2 + s.length * 3);
      buf.copy(bigger, 0, 0, off);
      buf = bigger;
    }
    if (i > 0) buf[off++] = 44;
    off += buf.utf8Write(s, off);
  }
  off += buf.latin1Write(']}', off);
  return buf.subarray(0, off);
}
const best2 = {};
const v2 = {
  'direct utf8Write per event (from strings)': () => strings.map((parts) => writeDirect(parts)),
  'serialize + direct write': () => batches.map((batch) => writeDirect(batch.map((e) => serializeEvent(e)))),
  'serialize + join + Buffer.from': () => batches.map((batch) => Buffer.from(batch.map((e) => serializeEvent(e)).join(','))),
  'JSON.stringify + Buffer.from': () => batches.map((batch) => Buffer.from(JSON.stringify(batch))),
};
for (let round = 0; round < 15; round++) {
  for (const [name, run] of Object.entries(v2)) {
    const t0 = process.hrtime.bigint();
    run();
    best2[name] = Math.min(best2[name] ?? Infinity, Number(process.hrtime.bigint() - t0) / (N * B));
  }
}
for (const [name, ns] of Object.entries(best2)) console.log(`${name.padEnd(42)} ${ns.toFixed(0).padStart(5)} ns/event (best of 15)`);
console.log('same bytes:', writeDirect(strings[0]).equals(Buffer.from('{"meta":{"hostname":"host"},"events":[' + joined[0] + ']}')));
