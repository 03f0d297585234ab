import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http, { type OutgoingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import fc from 'fast-check';
import sinon from 'sinon';
import { createReceiver, type BatchInfo, type WebhookPayload } from '../../src/receiver.js';
import { sign, verifySignature } from '../../src/signature.js';

const SECRET = 'receiver-secret';
const MAX_BODY_BYTES = 1_024;
const VALID_BODY = JSON.stringify({ meta: { hostname: 'h' }, events: [{ kind: 'feature', userKey: 'u', key: 'f' }] });

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type OnBatch = (payload: WebhookPayload, info: BatchInfo) => void | Promise<void>;

describe('receiving side under hostile input', function () {
  this.timeout(10_000);

  let server: http.Server;
  let port: number;
  let batches: Array<{ payload: WebhookPayload; info: BatchInfo }>;
  let onBatch: OnBatch;

  async function listen(options: { secret?: string }): Promise<void> {
    batches = [];
    onBatch = () => undefined;
    server = http.createServer(
      createReceiver({
        ...options,
        maxBodyBytes: MAX_BODY_BYTES,
        onBatch: (payload, info) => {
          batches.push({ payload, info });
          return onBatch(payload, info);
        },
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  }

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** One request on a fresh connection; `body` may be sent in timed pieces. */
  function request(options: {
    method?: string;
    headers?: OutgoingHttpHeaders;
    body?: string | Buffer;
    pieces?: Array<string | Buffer>;
    pieceDelayMs?: number;
  }): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: '/hook', method: options.method ?? 'POST', headers: options.headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (options.pieces) {
        const pieces = [...options.pieces];
        const next = (): void => {
          const piece = pieces.shift();
          if (piece === undefined) return void req.end();
          req.write(piece);
          setTimeout(next, options.pieceDelayMs ?? 0);
        };
        next();
      } else {
        req.end(options.body);
      }
    });
  }

  function signedPost(body: string | Buffer, extraHeaders: OutgoingHttpHeaders = {}): Promise<Reply> {
    return request({ body, headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': sign(body, SECRET), ...extraHeaders } });
  }

  /** The server still answers a valid delivery after whatever came before. */
  async function assertStillServing(): Promise<void> {
    const before = batches.length;
    const reply = await signedPost(VALID_BODY);
    assert.equal(reply.status, 204);
    assert.equal(batches.length, before + 1);
  }

  describe('method, size and order of checks', () => {
    beforeEach(() => listen({ secret: SECRET }));

    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) {
      it(`answers ${method} with 405 and Allow: POST`, async () => {
        const reply = await request({ method });
        assert.equal(reply.status, 405);
        assert.equal(reply.headers.allow, 'POST');
        assert.equal(batches.length, 0);
      });
    }

    it('checks the method before the size: an oversized PUT is a 405', async () => {
      const reply = await request({ method: 'PUT', body: 'x'.repeat(MAX_BODY_BYTES * 4) });
      assert.equal(reply.status, 405);
    });

    it('answers a declared oversized body 413 at once, without waiting for (or reading) it, and closes the connection', async () => {
      const socket = net.connect(port, '127.0.0.1');
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.write(`POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1024 ** 3}\r\n\r\n`);
      await closed; // the server closed it: we never sent one byte of the body
      const text = Buffer.concat(received).toString();
      assert.match(text, /^HTTP\/1\.1 413 /);
      assert.match(text, /connection: close/i);
      assert.equal(batches.length, 0);
      await assertStillServing();
    });

    it('answers a chunked body that grows past the limit 413 and closes the connection', async () => {
      const socket = net.connect(port, '127.0.0.1');
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      const piece = Buffer.alloc(MAX_BODY_BYTES + 1, 'a');
      socket.write(`POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${piece.length.toString(16)}\r\n`);
      socket.write(piece);
      socket.write('\r\n'); // and then the client would go on: the server must not wait for it
      await closed;
      assert.match(Buffer.concat(received).toString(), /^HTTP\/1\.1 413 /);
      assert.equal(batches.length, 0);
      await assertStillServing();
    });

    it('accepts a body of exactly maxBodyBytes', async () => {
      const events = [{ kind: 'feature', pad: '' }];
      const base = JSON.stringify({ events }).length;
      events[0]!.pad = 'p'.repeat(MAX_BODY_BYTES - base);
      const body = JSON.stringify({ events });
      assert.equal(Buffer.byteLength(body), MAX_BODY_BYTES);
      assert.equal((await signedPost(body)).status, 204);
    });

    it('checks the size before the signature, and the signature before the JSON', async () => {
      const oversized = await request({ body: 'x'.repeat(MAX_BODY_BYTES + 1), headers: { 'X-Hub-Signature-256': 'sha256=bad' } });
      assert.equal(oversized.status, 413);
      const unsignedGarbage = await request({ body: '{not json', headers: { 'X-Hub-Signature-256': 'sha256=' + '0'.repeat(64) } });
      assert.equal(unsignedGarbage.status, 401);
      const signedGarbage = await signedPost('{not json');
      assert.equal(signedGarbage.status, 400);
    });
  });

  describe('signatures', () => {
    beforeEach(() => listen({ secret: SECRET }));

    const right = sign(VALID_BODY, SECRET);
    const cases: Array<[string, OutgoingHttpHeaders]> = [
      ['a missing signature', {}],
      ['an empty signature', { 'X-Hub-Signature-256': '' }],
      ['the prefix alone', { 'X-Hub-Signature-256': 'sha256=' }],
      ['a signature under another secret', { 'X-Hub-Signature-256': sign(VALID_BODY, 'other') }],
      ['the signature of another body', { 'X-Hub-Signature-256': sign(VALID_BODY + ' ', SECRET) }],
      ['the right digest in upper case', { 'X-Hub-Signature-256': 'sha256=' + right.slice(7).toUpperCase() }],
      ['the right digest under sha1=', { 'X-Hub-Signature-256': 'sha1=' + right.slice(7) }],
      ['the right digest without its prefix', { 'X-Hub-Signature-256': right.slice(7) }],
      ['the right digest, truncated', { 'X-Hub-Signature-256': right.slice(0, -1) }],
      ['the right digest and one more digit', { 'X-Hub-Signature-256': right + '0' }],
      ['the right signature twice (a repeated header)', { 'X-Hub-Signature-256': [right, right] }],
      ['a wrong and then the right signature', { 'X-Hub-Signature-256': [sign('x', SECRET), right] }],
      ['a wrong signature in the old X-Hub-Signature header only', { 'X-Hub-Signature': right }],
    ];
    for (const [label, headers] of cases) {
      it(`answers 401 to ${label}`, async () => {
        const reply = await request({ body: VALID_BODY, headers });
        assert.equal(reply.status, 401);
        assert.equal(batches.length, 0);
      });
    }

    it('accepts the right signature, and gives onBatch the webhook-id', async () => {
      const reply = await signedPost(VALID_BODY, { 'webhook-id': 'batch-1' });
      assert.equal(reply.status, 204);
      assert.equal(batches[0]!.info.webhookId, 'batch-1');
      assert.equal(batches[0]!.payload.events.length, 1);
    });

    it('gives onBatch no webhook-id when the header is absent or repeated', async () => {
      await signedPost(VALID_BODY);
      await signedPost(VALID_BODY, { 'webhook-id': ['batch-1', 'batch-2'] });
      assert.deepEqual(
        batches.map((batch) => batch.info.webhookId),
        [undefined, undefined],
      );
    });
  });

  describe('JSON and shape', () => {
    beforeEach(() => listen({}));

    const bad: Array<[string, string | Buffer, RegExp]> = [
      ['an empty body', '', /JSON/],
      ['text that is not JSON', 'hello', /JSON/],
      ['truncated JSON', VALID_BODY.slice(0, -5), /JSON/],
      ['JSON after a byte-order mark', '\ufeff' + VALID_BODY, /JSON/],
      ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /JSON/],
      ['null', 'null', /object/],
      ['an array', '[]', /object/],
      ['a number', '42', /object/],
      ['an object without events', '{}', /events/],
      ['events as an object', '{"events":{}}', /events/],
      ['events holding a string', '{"events":["e"]}', /events\[0\]/],
      ['events holding null', '{"events":[{"kind":"feature"},null]}', /events\[1\]/],
      ['an event without a kind', '{"events":[{"userKey":"u"}]}', /kind/],
      ['an event whose kind is a number', '{"events":[{"kind":1}]}', /kind/],
      ['meta as an array', '{"meta":[],"events":[]}', /meta/],
      ['meta as a string', '{"meta":"m","events":[]}', /meta/],
    ];
    for (const [label, body, reason] of bad) {
      it(`answers 400 with a reason to ${label}`, async () => {
        const reply = await request({ body, headers: { 'Content-Type': 'application/json' } });
        assert.equal(reply.status, 400);
        assert.match(reply.body, reason);
        assert.equal(batches.length, 0);
      });
    }

    it('accepts an empty events array and a body with a __proto__ key, without polluting anything', async () => {
      assert.equal((await request({ body: '{"events":[]}' })).status, 204);
      const reply = await request({ body: '{"__proto__":{"polluted":true},"events":[{"kind":"feature","__proto__":{"x":1}}]}' });
      assert.equal(reply.status, 204);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it('answers 500 when onBatch throws or rejects, so the sender retries', async () => {
      onBatch = () => {
        throw new Error('database down');
      };
      assert.equal((await request({ body: VALID_BODY })).status, 500);
      onBatch = () => Promise.reject(new Error('database down'));
      assert.equal((await request({ body: VALID_BODY })).status, 500);
      onBatch = () => undefined;
      assert.equal((await request({ body: VALID_BODY })).status, 204);
    });
  });

  describe('slow, truncated and abandoned bodies', () => {
    beforeEach(() => listen({ secret: SECRET }));

    it('waits for a slowly trickled body and accepts it', async () => {
      const bytes = Buffer.from(VALID_BODY);
      const pieces = Array.from({ length: 10 }, (_, i) => bytes.subarray((i * bytes.length) / 10, ((i + 1) * bytes.length) / 10));
      const reply = await request({ pieces, pieceDelayMs: 15, headers: { 'X-Hub-Signature-256': sign(bytes, SECRET) } });
      assert.equal(reply.status, 204);
      assert.deepEqual(batches[0]!.payload, JSON.parse(VALID_BODY));
    });

    it('survives clients that disconnect mid-body or send less than they declared', async () => {
      const half = VALID_BODY.slice(0, VALID_BODY.length / 2);
      const clients = [
        // Declares the full length, sends half, hangs up.
        `POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: ${VALID_BODY.length}\r\nX-Hub-Signature-256: ${sign(VALID_BODY, SECRET)}\r\n\r\n${half}`,
        // Chunked, one chunk, never the last chunk.
        `POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${half.length.toString(16)}\r\n${half}\r\n`,
        // Not HTTP at all.
        '\u0000\u0001GARBAGE\r\n\r\n',
        // Headers cut off.
        'POST /hook HTTP/1.1\r\nHost: x\r\nContent-Le',
      ];
      await Promise.all(
        clients.map(
          (text) =>
            new Promise<void>((resolve) => {
              const socket = net.connect(port, '127.0.0.1', () => {
                socket.write(text);
                setTimeout(() => socket.destroy(), 30);
              });
              socket.on('error', () => undefined);
              socket.on('close', () => resolve());
            }),
        ),
      );
      assert.equal(batches.length, 0, 'no partial body reached onBatch');
      await assertStillServing();
    });

    it('survives a client that half-closes after a truncated body', async () => {
      const reply = await new Promise<string>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end(`POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"events":`);
        });
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
      });
      assert.doesNotMatch(reply, /^HTTP\/1\.1 2/, 'a truncated body is never accepted');
      assert.equal(batches.length, 0);
      await assertStillServing();
    });
  });
});

describe('verifySignature on any input', () => {
  it('never throws, whatever it is given, and says true only for the right signature', () => {
    // A well-formed header makes it read the body and the secret, so they must be garbage-proof too.
    const wellFormed = fc.stringMatching(/^sha256=[0-9a-f]{64}$/);
    const anyBody = fc.oneof(fc.anything(), fc.string(), fc.uint8Array(), fc.constant(undefined), fc.constant(null));
    const anySecret = fc.oneof(fc.anything(), fc.string(), fc.constant(undefined), fc.constant(null), fc.constant(''));
    fc.assert(
      fc.property(anyBody, anySecret, fc.oneof(fc.anything(), wellFormed), (body, secret, header) => {
        const result = verifySignature(body as string, secret as string, header as string);
        assert.equal(typeof result, 'boolean');
      }),
      { numRuns: 2_000 },
    );
  });

  it('never throws for well-typed but hostile headers, and accepts exactly the right one', () => {
    const headerArbitrary = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.stringMatching(/^sha256=[0-9a-fA-F]{0,70}$/),
      fc.constant('sha256=' + '0'.repeat(64)),
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array()), fc.string({ minLength: 1 }), headerArbitrary, (body, secret, header) => {
        const right = sign(body, secret);
        assert.equal(verifySignature(body, secret, right), true);
        assert.equal(verifySignature(body, secret, header), header === right);
        assert.equal(verifySignature(body, secret, undefined), false);
      }),
      { numRuns: 2_000 },
    );
  });

  it('rejects every one-character change of a right signature', () => {
    const right = sign(VALID_BODY, SECRET);
    for (let i = 0; i < right.length; i++) {
      for (const replacement of ['0', 'f', 'A', ' ', '=']) {
        if (right[i] === replacement) continue;
        assert.equal(verifySignature(VALID_BODY, SECRET, right.slice(0, i) + replacement + right.slice(i + 1)), false);
      }
    }
  });

  it('compares with crypto.timingSafeEqual, on buffers of equal length, whether the digest is right or wrong', () => {
    const spy = sinon.spy(crypto, 'timingSafeEqual');
    try {
      const right = sign(VALID_BODY, SECRET);
      const wrongFirst = 'sha256=' + (right[7] === '0' ? '1' : '0') + right.slice(8);
      const wrongLast = right.slice(0, -1) + (right.endsWith('0') ? '1' : '0');
      assert.equal(verifySignature(VALID_BODY, SECRET, right), true);
      assert.equal(verifySignature(VALID_BODY, SECRET, wrongFirst), false);
      assert.equal(verifySignature(VALID_BODY, SECRET, wrongLast), false);
      assert.equal(spy.callCount, 3, 'every well-formed header is compared in constant time');
      for (const call of spy.getCalls()) {
        const [a, b] = call.args as [Uint8Array, Uint8Array];
        assert.equal(a.length, b.length);
      }
    } finally {
      spy.restore();
    }
  });
});
