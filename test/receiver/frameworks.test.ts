import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { createReceiver } from '../../src/receiver.js';
import { createFetchReceiver } from '../../src/fetch-receiver.js';
import { BODY, standardHeaders } from '../support/webhook-signing.js';

const SECRET = 'whsec_' + Buffer.from('framework key').toString('base64');

function post(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(BODY);
  });
}

describe('a body already read before the receiver (SPEC §9): 500 at once, saying so', () => {
  it('real express with an app-wide express.json()', async () => {
    const app = express();
    app.use(express.json());
    app.post('/hook', createReceiver({ secret: SECRET, onBatch: () => assert.fail('never called') }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const reply = await post(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, standardHeaders(BODY, [SECRET]));
      assert.equal(reply.status, 500);
      assert.match(reply.body, /already read before the webhook receiver \(by a body parser such as express\.json\(\)\?\)/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('real fastify with its own JSON parser, handing request.raw to the receiver', async () => {
    const app = Fastify();
    const receive = createReceiver({ secret: SECRET, onBatch: () => assert.fail('never called') });
    app.post('/hook', (request, reply) => {
      reply.hijack();
      receive(request.raw, reply.raw);
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const reply = await post(`${url}/hook`, standardHeaders(BODY, [SECRET]));
      assert.equal(reply.status, 500);
      assert.match(reply.body, /already read/);
    } finally {
      await app.close();
    }
  });

  it('createFetchReceiver given a Request whose body was read', async () => {
    const request = new Request('http://x/hook', { method: 'POST', body: BODY, headers: standardHeaders(BODY, [SECRET]) });
    await request.text();
    const response = await createFetchReceiver({ secret: SECRET, onBatch: () => assert.fail('never called') })(request);
    assert.equal(response.status, 500);
    assert.match(await response.text(), /already read/);
  });
});
