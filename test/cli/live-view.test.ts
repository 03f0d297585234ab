/**
 * The live page's endpoints under bad input (SPEC §13, issue 16): unknown paths,
 * huge request targets, foreign Host headers, many and slow event-stream clients,
 * and its memory bounds, against a real `listen --ui` and a real node:http server.
 */
import assert from 'node:assert/strict';
import { request, createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import sinon from 'sinon';
import { LATEST_EVENTS, LiveStats, MAX_SERIES, OTHER } from '../../src/cli/ui/live-stats.js';
import { LiveView, MAX_STREAMS, MAX_URL_LENGTH, PUSH_MS } from '../../src/cli/ui/live-view.js';
import { ensureBuilt, ListenProcess } from './helpers.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw HTTP request (fetch would refuse some of these, such as a foreign Host). */
function get(port: number, path: string, headers: Record<string, string> = {}, host = '127.0.0.1'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let reply: Reply | undefined;
    const req = request({ host, port, path, headers, agent: false }, (res) => {
      reply = { status: res.statusCode ?? 0, headers: res.headers, body: '' };
      res.setEncoding('utf8').on('data', (chunk: string) => (reply!.body += chunk));
      res.on('error', () => undefined); // a server that answers early (431) may cut the socket short
      res.on('end', () => resolve(reply!));
      res.on('close', () => resolve(reply!));
    });
    // An early answer (431) can reach the client while it still writes: the socket then errors or
    // closes after the status line arrived. Either way the answer is what the test looks at.
    req.on('error', (error) => (reply ? resolve(reply) : reject(error)));
    req.on('close', () => reply && resolve(reply));
    req.end();
  });
}

/**
 * The status code of a GET sent on a raw socket. The server answers an oversized head (431)
 * while the client is still writing it; http.request through nock's interceptor (loaded by
 * other files of the suite) can then hang, a plain socket cannot.
 */
function rawStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    let head = '';
    const done = (): void => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (status) resolve(Number(status[1]));
      else reject(new Error(`no status line: ${JSON.stringify(head.slice(0, 80))}`));
      socket.destroy();
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      head += chunk;
      if (head.includes('\r\n')) done();
    });
    socket.on('error', () => undefined); // EPIPE/ECONNRESET while the rest of the head is written
    socket.on('close', done);
  });
}

/** Opens GET /events on a raw socket and resolves once the status line and first snapshot arrived. */
function openStream(port: number): Promise<{ socket: Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    let head = '';
    socket.setEncoding('utf8');
    const onData = (chunk: string): void => {
      head += chunk;
      if (/^HTTP\/1\.1 200/.test(head) ? head.includes('\ndata: ') : head.includes('\r\n\r\n')) {
        socket.off('data', onData);
        resolve({ socket, head });
      }
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

function connectError(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('listen --ui: the page endpoints under bad input', function () {
  this.timeout(30_000);
  let listen: ListenProcess;

  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
    listen = await ListenProcess.start(['--ui']);
  });
  after(async () => {
    await listen?.stop('SIGKILL');
  });

  it('answers only on the address it binds: 127.0.0.1, not 127.0.0.2 nor an external interface', async () => {
    assert.equal((await get(listen.port, '/')).status, 200);
    assert.equal(await connectError('127.0.0.2', listen.port), 'ECONNREFUSED');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address?.family === 'IPv4' && !address.internal);
    if (external !== undefined) assert.equal(await connectError(external.address, listen.port), 'ECONNREFUSED');
  });

  it('refuses a foreign Host header (DNS rebinding) with 421 and says why', async () => {
    const reply = await get(listen.port, '/state', { Host: `attacker.example:${listen.port}` });
    assert.equal(reply.status, 421);
    assert.equal(reply.body, 'this page answers only on the address it is bound to\n');
    assert.equal((await get(listen.port, '/state', { Host: `localhost:${listen.port}` })).status, 200);
  });

  it('answers an unknown path 404 in plain text, and serves its own assets', async () => {
    for (const path of ['/nope', '/app.js.map', '/../../etc/passwd', '/state/x', '/%00']) {
      const reply = await get(listen.port, path);
      assert.equal(reply.status, 404, path);
      assert.equal(reply.body, 'not found\n');
      assert.match(String(reply.headers['content-type']), /^text\/plain/);
    }
    const script = await get(listen.port, '/app.js?v=1');
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.equal((await get(listen.port, '/favicon.ico')).status, 204);
  });

  it('works offline: the page and its assets name no other origin (no CDN)', async () => {
    for (const path of ['/', '/app.js', '/app.css']) {
      const { status, body } = await get(listen.port, path);
      assert.equal(status, 200, path);
      const origins = [...body.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/gi)].map((match) => match[0]);
      assert.deepEqual(origins.filter((origin) => origin !== 'http://www.w3.org'), [], `${path} refers to another origin`); // the SVG namespace is a name, not a fetch
    }
  });

  it('answers a huge query string 414, and one past the header limit 431, and keeps serving', async () => {
    const long = await get(listen.port, `/state?q=${'a'.repeat(MAX_URL_LENGTH)}`);
    assert.equal(long.status, 414);
    assert.equal(long.body, 'request target too long\n');
    assert.equal(await rawStatus(listen.port, `/?q=${'a'.repeat(100_000)}`), 431); // Node's own limit
    assert.equal((await get(listen.port, `/state?q=${'a'.repeat(MAX_URL_LENGTH - 20)}`)).status, 200);
  });

  it(`holds at most ${MAX_STREAMS} event streams: the next is answered 503 with Retry-After, and a closed one frees its slot`, async () => {
    const streams = await Promise.all(Array.from({ length: MAX_STREAMS }, () => openStream(listen.port)));
    try {
      for (const { head } of streams) assert.match(head, /^HTTP\/1\.1 200 OK\r\n[\s\S]*content-type: text\/event-stream/i);
      const refused = await get(listen.port, '/events');
      assert.equal(refused.status, 503);
      assert.equal(refused.headers['retry-after'], '5');
      assert.equal(refused.body, `too many open pages (at most ${MAX_STREAMS})\n`);
      const closed = streams.pop()!;
      await new Promise<void>((resolve) => closed.socket.once('close', () => resolve()).end());
      let again = await openStream(listen.port);
      for (let i = 0; i < 50 && !/^HTTP\/1\.1 200/.test(again.head); i++) {
        again.socket.destroy(); // the server may not have seen the close yet
        await new Promise((resolve) => setTimeout(resolve, 20));
        again = await openStream(listen.port);
      }
      assert.match(again.head, /^HTTP\/1\.1 200/);
      streams.push(again);
    } finally {
      for (const { socket } of streams) socket.destroy();
    }
  });

  it('passes everything but GET and HEAD to the receiver', async () => {
    const response = await fetch(`http://127.0.0.1:${listen.port}/events`, { method: 'POST', body: 'not json', headers: { 'content-type': 'application/json' } });
    assert.equal(response.status, 400); // the receiver's answer to a bad payload, not the page's
  });
});

describe('LiveView: a slow event-stream client', () => {
  let clock: sinon.SinonFakeTimers;
  let server: Server;
  let view: LiveView;
  const responses: ServerResponse[] = [];

  beforeEach(async () => {
    clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'], now: 1_700_000_000_000 });
    view = new LiveView({ host: '127.0.0.1' });
    server = createServer((req, res) => {
      if (req.url === '/events') responses.push(res);
      view.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    view.close();
    clock.restore();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    responses.length = 0;
  });

  it('never buffers more than about 1 MiB for a client that does not read', async () => {
    const port = (server.address() as AddressInfo).port;
    const { socket } = await openStream(port);
    socket.pause(); // reads nothing more: the kernel buffers fill, then Node's
    const bulky = Array.from({ length: LATEST_EVENTS }, (_, i) => ({ kind: 'feature', key: `flag-${i}`, variation: 'v', userKey: 'u'.repeat(150), value: 'x'.repeat(150) }));
    let largest = 0;
    for (let push = 0; push < 400; push++) {
      view.stats.recordBatch(bulky, { note: 'm'.repeat(150) }, `batch-${push}`);
      clock.tick(PUSH_MS);
      await new Promise((resolve) => setImmediate(resolve)); // let the socket move what it can
      largest = Math.max(largest, responses[0]!.writableLength);
    }
    const snapshotBytes = Buffer.byteLength(JSON.stringify(view.stats.snapshot()));
    assert.ok(snapshotBytes > 40_000, `a snapshot here is ${snapshotBytes} bytes`);
    assert.ok(400 * snapshotBytes > 8 * 1024 * 1024, 'unbounded, the client would have been sent over 8 MiB');
    assert.ok(largest <= 1024 * 1024 + snapshotBytes + 100, `at most 1 MiB and one snapshot unsent, saw ${largest}`);
    socket.destroy();
  });

  it('pushes at most once per PUSH_MS however fast batches arrive (10,000 events/s and more)', async () => {
    const port = (server.address() as AddressInfo).port;
    const { socket } = await openStream(port);
    let messages = 0;
    socket.on('data', (chunk: string) => (messages += chunk.split('\ndata: ').length - 1 + (chunk.startsWith('data: ') ? 1 : 0)));
    const batch = Array.from({ length: 100 }, (_, i) => ({ kind: 'feature', key: `flag-${i % 5}`, variation: 'on', userKey: `u${i}` }));
    for (let ms = 0; ms < 1000; ms += 10) {
      view.stats.recordBatch(batch, undefined, undefined); // 100 events every 10 ms: 10,000 events/s
      clock.tick(10);
    }
    await new Promise((resolve) => setTimeout(resolve, 50)); // real time: let the bytes arrive
    assert.equal(view.stats.snapshot().totals.events, 10_000);
    assert.equal(messages, 1000 / PUSH_MS); // 4 snapshots in that second, not 100
    socket.destroy();
  });
});

describe('LiveStats: memory bounded whatever arrives', () => {
  it(`keeps ${MAX_SERIES} flag/variation series apart and sums the rest, exactly`, () => {
    const stats = new LiveStats(() => 1_700_000_000_000);
    const events = Array.from({ length: 1_000 }, (_, i) => ({ kind: 'feature', key: `flag-${i}`, variation: i % 2 === 0 ? 'a' : 'b' }));
    stats.recordBatch(events, undefined, 'b1');
    stats.recordBatch(events, undefined, 'b2');
    const { series, totals } = stats.snapshot();
    assert.equal(series.length, MAX_SERIES + 1);
    const other = series.find((s) => s.flag === OTHER.flag);
    assert.equal(other?.total, 2 * (1_000 - MAX_SERIES));
    assert.equal(series.filter((s) => s !== other).every((s) => s.total === 2), true);
    assert.equal(series.reduce((sum, s) => sum + s.total, 0), 2_000);
    assert.deepEqual(totals, { batches: 2, events: 2_000, signatureFailures: 0, rejected: 0, duplicates: 0 });
  });

  it(`keeps the latest ${LATEST_EVENTS} events, each field cut short and terminal-safe`, () => {
    const stats = new LiveStats(() => 1_700_000_000_000);
    const huge = 'k'.repeat(100_000);
    stats.recordBatch(
      Array.from({ length: 5_000 }, (_, i) => ({ kind: 'feature', key: i === 4_999 ? `${huge}\u001b[2J` : 'f', variation: 'v', userKey: `u${i}`, value: { deep: huge } })),
      { note: huge },
      'id',
    );
    const { latest } = stats.snapshot();
    assert.equal(latest.length, LATEST_EVENTS);
    assert.equal(latest[0]!.userKey, 'u4999');
    assert.equal(latest.at(-1)!.userKey, `u${5_000 - LATEST_EVENTS}`);
    for (const field of ['flag', 'value', 'meta'] as const) assert.ok(latest[0]![field].length <= 200, `${field} is ${latest[0]![field].length} long`);
    assert.ok(!latest[0]!.flag.includes(String.fromCharCode(0x1b)), "no escape character reaches the page");
    assert.ok(JSON.stringify(stats.snapshot()).length < 150_000);
  });
});
