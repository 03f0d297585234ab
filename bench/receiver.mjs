// The receiver every throughput scenario posts to, in its own process so its
// CPU is not the client's. It parses each body and counts events, per path:
// webhook bodies ({"events": [...]}) and OTLP/JSON logs (resourceLogs → logRecords).
// Driven by the runner over IPC: {id, op: 'stats', path} → {id, stats}.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

const SECRET = process.env.BENCH_SECRET ?? '';
/** Signatures checked per path: enough to prove signing is right, cheap enough not to matter. */
const SIGNATURE_SAMPLE = 5;

/** path → counters */
const counters = new Map();

function countersFor(path) {
  let c = counters.get(path);
  if (c === undefined) {
    // bytes: on the wire (compressed when gzip); jsonBytes: the JSON they carry.
    c = { requests: 0, events: 0, bytes: 0, jsonBytes: 0, gzipped: 0, badBodies: 0, signaturesChecked: 0, badSignatures: 0, withWebhookId: 0 };
    counters.set(path, c);
  }
  return c;
}

function countEvents(payload) {
  if (Array.isArray(payload?.events)) return payload.events.length;
  let n = 0;
  for (const rl of payload?.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) n += sl.logRecords?.length ?? 0;
  return n;
}

function checkSignature(c, body, header) {
  if (SECRET === '' || header === undefined || c.signaturesChecked >= SIGNATURE_SAMPLE) return;
  c.signaturesChecked++;
  const expected = Buffer.from('sha256=' + createHmac('sha256', SECRET).update(body).digest('hex'));
  const got = Buffer.from(String(header));
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) c.badSignatures++;
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    // OTLP paths end in /v1/logs; count them under the run's path.
    const path = (req.url ?? '/').replace(/\/v1\/logs$/, '');
    const c = countersFor(path);
    c.requests++;
    c.bytes += body.length;
    if (req.headers['webhook-id'] !== undefined) c.withWebhookId++;
    // The signature covers the bytes on the wire, compressed or not.
    checkSignature(c, body, req.headers['x-hub-signature-256']);
    try {
      const gzipped = req.headers['content-encoding'] === 'gzip';
      const json = gzipped ? gunzipSync(body) : body;
      if (gzipped) c.gzipped++;
      c.jsonBytes += json.length;
      c.events += countEvents(JSON.parse(json.toString('utf8')));
    } catch {
      c.badBodies++;
      res.writeHead(400).end();
      return;
    }
    if (req.url?.endsWith('/v1/logs')) {
      // What an OTLP collector answers: 200 with a JSON ExportLogsServiceResponse.
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } else {
      res.writeHead(204).end();
    }
  });
});
server.keepAliveTimeout = 60_000;

process.on('message', (msg) => {
  if (msg?.op === 'stats') process.send({ id: msg.id, stats: counters.get(msg.path) ?? countersFor(msg.path) });
  if (msg?.op === 'close') server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port }));
