// Axios floor: the raw limit's work, but sent through one axios instance with a
// keep-alive agent and a Buffer body (no transforms), as the spec's transport must.
// Not a target: it shows what axios alone costs beside node:http.
import { createHmac } from 'node:crypto';
import { Agent } from 'node:http';
import { hostname } from 'node:os';
import axios from 'axios';
import { config, runScenario, settleHeap, startClock } from '../child.mjs';
import { makeEvents } from '../events.mjs';

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const keep = (data) => data;
const client = axios.create({
  httpAgent: agent,
  maxRedirects: 0,
  transformRequest: [keep],
  transformResponse: [keep],
  responseType: process.env.AXSTREAM === '0' ? 'arraybuffer' : 'stream',
  validateStatus: () => true,
  maxBodyLength: Infinity,
  maxContentLength: Infinity,
});
const meta = { hostname: hostname() };

async function send(events) {
  for (let i = 0; i < events.length; i += config.batchSize) {
    const body = Buffer.from(JSON.stringify({ meta, events: events.slice(i, i + config.batchSize) }));
    const signature = 'sha256=' + createHmac('sha256', config.secret).update(body).digest('hex');
    const res = await client.post(config.url, body, { headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature } });
    res.data.resume();
    await new Promise((resolve) => res.data.once('end', resolve));
    if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
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
