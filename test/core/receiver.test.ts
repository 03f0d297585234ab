import assert from 'node:assert/strict';
import http from 'node:http';
import { DEFAULT_MAX_BODY_BYTES, createReceiver, type BatchInfo, type ReceiverOptions, type WebhookPayload } from '../../src/receiver.js';
import { sign } from '../../src/signature.js';
import { startServer, type TestServer } from './support/helpers.js';

const SECRET = 'receiver-secret';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Call {
  payload: WebhookPayload;
  info: BatchInfo;
}

function collect(res: http.IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    res.on('error', reject);
  });
}

/** One request on its own connection; `body` is sent whole. */
function request(server: TestServer, options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}/hook`, { method: options.method ?? 'POST', headers: options.headers, agent: false }, (res) => {
      collect(res).then(resolve, reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function signedPost(server: TestServer, body: string, headers: http.OutgoingHttpHeaders = {}): Promise<Answer> {
  return request(server, { body, headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': sign(body, SECRET), ...headers } });
}

const GOOD = JSON.stringify({
  meta: { hostname: 'h' },
  events: [{ kind: 'feature', userKey: 'u1', creationDate: 1, key: 'k', variation: 'v', value: 1, default: false, version: '', source: '' }],
});

describe('createReceiver (SPEC §6)', () => {
  const servers: TestServer[] = [];
  let calls: Call[];

  async function receiver(options: Partial<ReceiverOptions> = {}): Promise<TestServer> {
    const server = await startServer(
      createReceiver({
        secret: SECRET,
        onBatch: (payload, info) => {
          calls.push({ payload, info });
        },
        ...options,
      }),
    );
    servers.push(server);
    return server;
  }

  beforeEach(() => {
    calls = [];
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('validates its options', () => {
    const onBatch = (): void => undefined;
    for (const bad of [0, -1, 1.5]) assert.throws(() => createReceiver({ onBatch, maxBodyBytes: bad }), RangeError);
    assert.throws(() => createReceiver({} as unknown as ReceiverOptions), TypeError);
    assert.equal(DEFAULT_MAX_BODY_BYTES, 32 * 1024 * 1024);
  });

  describe('1. method', () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      it(`answers ${method} with 405 and Allow: POST`, async () => {
        const server = await receiver();
        const answer = await request(server, { method });
        assert.equal(answer.status, 405);
        assert.equal(answer.headers.allow, 'POST');
        assert.equal(calls.length, 0);
      });
    }

    it('checks the method before size and signature', async () => {
      const server = await receiver({ maxBodyBytes: 10 });
      const answer = await request(server, { method: 'PUT', body: 'x'.repeat(100), headers: { 'X-Hub-Signature-256': 'sha256=bad' } });
      assert.equal(answer.status, 405);
    });
  });

  describe('2. size', () => {
    it('answers 413 at once on a Content-Length past maxBodyBytes, without reading the body, and closes the connection', async () => {
      const server = await receiver({ maxBodyBytes: 1_000 });
      const answer = await new Promise<Answer & { closed: Promise<void> }>((resolve, reject) => {
        const req = http.request(`${server.url}/hook`, { method: 'POST', agent: false, headers: { 'Content-Length': '1001', 'X-Hub-Signature-256': 'sha256=bad' } }, (res) => {
          const closed = new Promise<void>((done) => req.socket?.once('close', () => done()));
          collect(res).then((a) => resolve({ ...a, closed }), reject);
        });
        req.on('error', () => undefined);
        req.flushHeaders(); // the body is never sent: the answer must not wait for it
      });
      assert.equal(answer.status, 413);
      assert.equal(answer.headers.connection, 'close');
      await answer.closed;
      assert.equal(calls.length, 0);
    });

    it('answers 413 to a chunked body once it passes maxBodyBytes, before it ends (size before signature)', async () => {
      const server = await receiver({ maxBodyBytes: 100 });
      const answer = await new Promise<Answer>((resolve, reject) => {
        const req = http.request(`${server.url}/hook`, { method: 'POST', agent: false, headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
          collect(res).then(resolve, reject);
        });
        req.on('error', () => undefined);
        req.write('x'.repeat(60));
        req.write('y'.repeat(60)); // 120 > 100, and the request is never ended
      });
      assert.equal(answer.status, 413);
      assert.equal(calls.length, 0);
    });

    it('the default limit is 32 MiB', async () => {
      const server = await receiver();
      const answer = await new Promise<Answer>((resolve, reject) => {
        const req = http.request(`${server.url}/hook`, { method: 'POST', agent: false, headers: { 'Content-Length': String(DEFAULT_MAX_BODY_BYTES + 1) } }, (res) => {
          collect(res).then(resolve, reject);
        });
        req.on('error', () => undefined);
        req.flushHeaders();
      });
      assert.equal(answer.status, 413);
    });

    it('accepts a body of exactly maxBodyBytes', async () => {
      const server = await receiver({ maxBodyBytes: Buffer.byteLength(GOOD) });
      assert.equal((await signedPost(server, GOOD)).status, 204);
    });
  });

  describe('3. signature', () => {
    const cases: Array<[string, () => http.OutgoingHttpHeaders]> = [
      ['a missing signature', () => ({})],
      ['a malformed signature', () => ({ 'X-Hub-Signature-256': 'sha256=zz' })],
      ['a signature made with another secret', () => ({ 'X-Hub-Signature-256': sign(GOOD, 'other') })],
      ['the signature of another body', () => ({ 'X-Hub-Signature-256': sign(GOOD + ' ', SECRET) })],
      ['a repeated signature header', () => ({ 'X-Hub-Signature-256': [sign(GOOD, SECRET), sign(GOOD, SECRET)] })],
    ];
    for (const [name, headers] of cases) {
      it(`answers 401 on ${name}`, async () => {
        const server = await receiver();
        const answer = await request(server, { body: GOOD, headers: headers() });
        assert.equal(answer.status, 401);
        assert.equal(calls.length, 0);
      });
    }

    it('checks the signature before JSON and shape', async () => {
      const server = await receiver();
      assert.equal((await request(server, { body: '{not json', headers: { 'X-Hub-Signature-256': sign('x', SECRET) } })).status, 401);
    });

    it('does not check signatures without a secret', async () => {
      const server = await startServer(createReceiver({ onBatch: (payload, info) => void calls.push({ payload, info }) }));
      servers.push(server);
      assert.equal((await request(server, { body: GOOD })).status, 204);
      assert.equal(calls.length, 1);
    });

    it('refuses an empty secret at construction rather than silently accepting unsigned bodies', () => {
      assert.throws(() => createReceiver({ secret: '', onBatch: () => undefined }), TypeError);
    });
  });

  describe('4. JSON and shape', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['invalid JSON', '{"events":[', /JSON/],
      ['a JSON array', '[]', /object/],
      ['no events', '{"meta":{}}', /events/],
      ['events not an array', '{"events":{}}', /events/],
      ['an event that is not an object', '{"events":[1]}', /events\[0\]/],
      ['an event without a string kind', '{"events":[{"kind":"feature"},{"kind":2}]}', /events\[1\]\.kind/],
      ['meta that is not an object', '{"meta":"m","events":[]}', /meta/],
    ];
    for (const [name, body, reason] of cases) {
      it(`answers 400 with a reason on ${name}`, async () => {
        const server = await receiver();
        const answer = await signedPost(server, body);
        assert.equal(answer.status, 400);
        assert.match(answer.body, reason);
        assert.equal(calls.length, 0);
      });
    }
  });

  describe('5. onBatch', () => {
    it('calls onBatch(payload, { webhookId }) and answers 204', async () => {
      const server = await receiver();
      const answer = await signedPost(server, GOOD, { 'webhook-id': 'batch-42' });
      assert.equal(answer.status, 204);
      assert.equal(answer.body, '');
      assert.equal(calls.length, 1);
      assert.deepEqual(calls[0]?.payload, JSON.parse(GOOD));
      assert.deepEqual(calls[0]?.info, { webhookId: 'batch-42', scheme: 'github' });
    });

    it('webhookId is undefined when the header is absent', async () => {
      const server = await receiver();
      assert.equal((await signedPost(server, GOOD)).status, 204);
      assert.equal(calls[0]?.info.webhookId, undefined);
      assert.ok('webhookId' in (calls[0]?.info ?? {}));
    });

    it('accepts a payload without meta and with no events', async () => {
      const server = await receiver();
      assert.equal((await signedPost(server, '{"events":[]}')).status, 204);
      assert.deepEqual(calls[0]?.payload, { events: [] });
    });

    it('answers only once an async onBatch has resolved', async () => {
      let release: () => void = () => undefined;
      const started: Promise<void> = new Promise((resolve) => {
        release = resolve;
      });
      let finishBatch: () => void = () => undefined;
      const server = await receiver({
        onBatch: () => {
          release();
          return new Promise<void>((resolve) => {
            finishBatch = resolve;
          });
        },
      });
      let answered = false;
      const answer = signedPost(server, GOOD).then((a) => {
        answered = true;
        return a;
      });
      await started;
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(answered, false);
      finishBatch();
      assert.equal((await answer).status, 204);
    });

    it('answers 500 when onBatch throws', async () => {
      const server = await receiver({
        onBatch: () => {
          throw new Error('database down');
        },
      });
      const answer = await signedPost(server, GOOD);
      assert.equal(answer.status, 500);
      assert.ok(!answer.body.includes('database down'), 'the error is not echoed');
    });

    it('answers 500 when onBatch rejects', async () => {
      const server = await receiver({ onBatch: () => Promise.reject(new Error('later')) });
      assert.equal((await signedPost(server, GOOD)).status, 500);
    });
  });
});
