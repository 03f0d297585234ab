/**
 * The two receivers behind one interface, so each check is tested on both:
 * `createReceiver` on a real node:http server on 127.0.0.1, and
 * `createFetchReceiver` given real Fetch `Request` objects.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFetchReceiver } from '../../src/fetch-receiver.js';
import { createReceiver } from '../../src/receiver.js';
import type { ReceiverOptions } from '../../src/receiver-options.js';

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export interface Post {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface Target {
  name: string;
  send(post: Post): Promise<Reply>;
  close(): Promise<void>;
}

export async function nodeTarget(options: ReceiverOptions): Promise<Target & { url: string; server: http.Server }> {
  const server = http.createServer(createReceiver(options));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    name: 'createReceiver',
    url,
    server,
    send: (post) =>
      new Promise((resolve, reject) => {
        const req = http.request(url, { method: post.method ?? 'POST', headers: post.headers, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers });
          });
        });
        req.on('error', reject);
        req.end(post.body);
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function fetchTarget(options: ReceiverOptions): Target & { handle(request: Request): Promise<Response> } {
  const handle = createFetchReceiver(options);
  return {
    name: 'createFetchReceiver',
    handle,
    async send(post) {
      const method = post.method ?? 'POST';
      const hasBody = method !== 'GET' && method !== 'HEAD';
      const request = new Request('http://receiver.test/hook', { method, headers: post.headers, ...(hasBody ? { body: post.body ?? '' } : {}) });
      const response = await handle(request);
      assert(response instanceof Response, 'a real Response');
      return { status: response.status, body: await response.text(), headers: Object.fromEntries(response.headers) };
    },
    close: () => Promise.resolve(),
  };
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export const TARGETS = [
  ['createReceiver (node:http)', nodeTarget],
  ['createFetchReceiver (Request/Response)', (options: ReceiverOptions) => Promise.resolve(fetchTarget(options))],
] as const;
