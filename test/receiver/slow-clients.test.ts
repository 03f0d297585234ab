import assert from 'node:assert/strict';
import net from 'node:net';
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
