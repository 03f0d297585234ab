import assert from 'node:assert/strict';
import net from 'node:net';
import sinon from 'sinon';
import { createFetchReceiver } from '../../src/fetch-receiver.js';
import { resolveReceiverOptions } from '../../src/receiver-options.js';
import { nodeTarget } from '../support/receiver-targets.js';
import { BODY } from '../support/webhook-signing.js';

/** A raw socket that sends headers declaring `length` bytes and `sent` of them, then waits for the answer. */
function slowClient(port: number, length: number, sent: number): { answer: Promise<string>; socket: net.Socket } {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(`POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`);
  socket.write('x'.repeat(sent));
  let data = '';
  const answer = new Promise<string>((resolve) => {
    socket.on('data', (c: Buffer) => (data += c.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', () => undefined);
  });
  return { answer, socket };
}

describe('createReceiver: slow and many clients cannot hold unbounded memory (issue 12 item 6)', () => {
  it('answers 408 to a slow-loris body after bodyTimeout and closes the connection; still serves', async () => {
    const target = await nodeTarget({ bodyTimeout: 200, onBatch: () => undefined });
    try {
      const port = Number(new URL(target.url).port);
      const loris = slowClient(port, 1000, 10);
      assert.match(await loris.answer, /^HTTP\/1\.1 408 [\s\S]*bodyTimeout \(200 ms\)/);
      assert.equal((await target.send({ body: BODY })).status, 204);
    } finally {
      await target.close();
    }
  });

  it('answers 503 at once when a body would pass maxBufferedBytes across requests; still serves', async () => {
    const target = await nodeTarget({ maxBufferedBytes: 100_000, maxBodyBytes: 80_000, onBatch: () => undefined });
    const held: net.Socket[] = [];
    try {
      const port = Number(new URL(target.url).port);
      // One request holds 70,000 bytes of its body, its last bytes never come.
      const first = slowClient(port, 80_000, 70_000);
      held.push(first.socket);
      const arrived = new Promise<void>((resolve) => {
        target.server.once('request', (req) => {
          let got = 0;
          req.on('data', (c: Buffer) => {
            got += c.length;
            if (got >= 70_000) resolve();
          });
        });
      });
      await arrived;
      const second = slowClient(port, 50_000, 0);
      held.push(second.socket);
      assert.match(await second.answer, /^HTTP\/1\.1 503 [\s\S]*Retry-After: 1/);
      first.socket.destroy();
      await first.answer;
      assert.equal((await target.send({ body: BODY })).status, 204, 'the budget was given back');
    } finally {
      held.forEach((s) => s.destroy());
      await target.close();
    }
  });
});

/** A streamed Request body: `sent` bytes at once, then nothing more until `end()` (or never). */
function streamedRequest(sent: number): { request: Request; pulled: Promise<void>; end(): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let onPulled!: () => void;
  const pulled = new Promise<void>((resolve) => (onPulled = resolve));
  let given = false;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    pull(c) {
      // The first pull takes the bytes; the next one means the receiver holds them and waits for more.
      if (!given) {
        given = true;
        c.enqueue(new Uint8Array(sent).fill(120));
        return undefined;
      }
      onPulled();
      return new Promise(() => undefined);
    },
  });
  const request = new Request('http://receiver.test/hook', { method: 'POST', body, duplex: 'half' } as RequestInit);
  return { request, pulled, end: () => controller.error(new Error('client went away')) };
}

describe('createFetchReceiver: the same body timeout and buffered-bytes cap (issue 12 item 6)', () => {
  it('answers 408 to a body that stops arriving, after bodyTimeout', async () => {
    const handle = createFetchReceiver({ bodyTimeout: 100, onBatch: () => assert.fail('never called') });
    const slow = streamedRequest(10);
    const response = await handle(slow.request);
    assert.equal(response.status, 408);
    assert.match(await response.text(), /bodyTimeout \(100 ms\)/);
  });

  it('answers 503 when a body would pass maxBufferedBytes across requests, and gives the bytes back', async () => {
    const handle = createFetchReceiver({ maxBufferedBytes: 100_000, maxBodyBytes: 80_000, onBatch: () => undefined });
    const first = streamedRequest(70_000);
    const firstAnswer = handle(first.request);
    await first.pulled; // the receiver holds 70,000 bytes and waits for the rest
    const second = await handle(new Request('http://receiver.test/hook', { method: 'POST', body: new Uint8Array(50_000).fill(32) }));
    assert.equal(second.status, 503);
    assert.equal(second.headers.get('retry-after'), '1');
    first.end();
    assert.equal((await firstAnswer).status, 400, 'the first client went away mid-body');
    const third = await handle(new Request('http://receiver.test/hook', { method: 'POST', body: BODY }));
    assert.equal(third.status, 204, 'the budget was given back');
  });
});

describe('receiver limits default to a 30 s body timeout and a 64 MiB buffered-bytes cap (issue 12 item 6)', () => {
  it('resolves the defaults for both receivers', () => {
    for (const who of ['createReceiver', 'createFetchReceiver']) {
      const resolved = resolveReceiverOptions(who, { onBatch: () => undefined });
      assert.equal(resolved.bodyTimeout, 30_000);
      assert.equal(resolved.maxBufferedBytes, 64 * 1024 * 1024);
    }
  });

  it('createFetchReceiver: a body still incomplete after 29.999 s waits on; at 30 s it is a 408', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const handle = createFetchReceiver({ onBatch: () => assert.fail('never called') });
      let status: number | undefined;
      void handle(streamedRequest(10).request).then((r) => (status = r.status));
      await clock.tickAsync(29_999);
      assert.equal(status, undefined);
      await clock.tickAsync(1);
      assert.equal(status, 408);
    } finally {
      clock.restore();
    }
  });
});
