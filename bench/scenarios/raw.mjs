// Raw limit: JSON.stringify + HMAC-SHA256 + node:http keep-alive POST of each
// batch, one request in flight. Nothing else: the floor of work per event.
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { hostname } from 'node:os';
import { config, runScenario, settleHeap, startClock } from '../child.mjs';
import { makeEvents } from '../events.mjs';

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(config.url);
const meta = { hostname: hostname() };

function post(body, signature) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-hub-signature-256': signature },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode >= 200 && res.statusCode < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function send(events) {
  for (let i = 0; i < events.length; i += config.batchSize) {
    const body = Buffer.from(JSON.stringify({ meta, events: events.slice(i, i + config.batchSize) }));
    const signature = 'sha256=' + createHmac('sha256', config.secret).update(body).digest('hex');
    await post(body, signature);
  }
}

runScenario(async () => {
  // Warm-up events die before the window; a full GC starts it with a clean heap.
  await send(makeEvents(config.warmup));
  const events = makeEvents(config.events, config.warmup);
  settleHeap();
  const stop = startClock();
  await send(events);
  const clock = stop();
  agent.destroy();
  return { ...clock, events: config.events, sent: config.warmup + config.events };
});
