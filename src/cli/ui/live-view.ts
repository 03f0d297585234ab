import type { IncomingMessage, ServerResponse } from 'node:http';
import { LiveStats } from './live-stats.js';
import { PAGE_CSS, PAGE_HTML } from './page.js';
import { PAGE_SCRIPT } from './page-script.js';

/**
 * The live page's endpoints, served beside the receiver on the same server:
 * GET / (the page), /app.js, /app.css, /state (one JSON snapshot) and /events
 * (server-sent events: a snapshot at most every PUSH_MS while something changed,
 * and at least once a second so the charts scroll). Everything else is 404.
 */

/** Longest request target accepted (the page itself uses none of its own). */
export const MAX_URL_LENGTH = 2048;
/** Open event streams at once; more are answered 503. */
export const MAX_STREAMS = 32;
/** Coalescing period of pushes. */
export const PUSH_MS = 250;
/** A stream whose unsent output exceeds this skips pushes until it drains (a later snapshot replaces them). */
const MAX_UNSENT_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const ASSETS: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
  '/app.js': { type: 'text/javascript; charset=utf-8', body: PAGE_SCRIPT },
  '/app.css': { type: 'text/css; charset=utf-8', body: PAGE_CSS },
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export interface LiveViewOptions {
  /** The address the server is bound to: when it is a loopback one, only loopback Host headers are answered. */
  host: string;
}

export class LiveView {
  readonly stats: LiveStats;
  private readonly streams = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;
  private pushedVersion = -1;
  private lastPush = 0;
  private lastHeartbeat = Date.now();

  constructor(
    private readonly options: LiveViewOptions,
    clock: () => number = Date.now,
  ) {
    this.stats = new LiveStats(clock);
    this.timer = setInterval(() => this.tick(), PUSH_MS);
    this.timer.unref();
  }

  /** Serves GET and HEAD requests; returns false for anything else (the receiver's). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    res.on('error', () => undefined);
    const target = req.url ?? '/';
    if (target.length > MAX_URL_LENGTH) return answer(res, 414, 'request target too long'), true;
    if (!this.hostAllowed(req.headers.host)) return answer(res, 421, 'this page answers only on the address it is bound to'), true;
    const path = target.split('?')[0];
    if (path === '/events') return this.openStream(req, res), true;
    if (path === '/state') {
      res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'application/json; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(this.stats.snapshot()));
      return true;
    }
    if (path === '/favicon.ico') return res.writeHead(204, COMMON_HEADERS).end(), true; // no icon, and no 404 in the console
    const asset = Object.hasOwn(ASSETS, path) ? ASSETS[path] : undefined;
    if (asset === undefined) return answer(res, 404, 'not found'), true;
    res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': asset.type, 'Content-Security-Policy': CSP, 'X-Frame-Options': 'DENY' });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
    return true;
  }

  /** Ends every event stream and stops the push timer (before the server closes). */
  close(): void {
    clearInterval(this.timer);
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  get streamCount(): number {
    return this.streams.size;
  }

  private openStream(req: IncomingMessage, res: ServerResponse): void {
    if (this.streams.size >= MAX_STREAMS) {
      answer(res, 503, `too many open pages (at most ${MAX_STREAMS})`, { 'Retry-After': '5' });
      return;
    }
    res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    if (req.method === 'HEAD') return void res.end();
    this.streams.add(res);
    res.once('close', () => this.streams.delete(res));
    res.write(`retry: 2000\n\n${message(JSON.stringify(this.stats.snapshot()))}`);
  }

  private tick(): void {
    if (this.streams.size === 0) return;
    const now = Date.now();
    if (now - this.lastHeartbeat >= HEARTBEAT_MS) {
      this.lastHeartbeat = now;
      for (const stream of this.streams) stream.write(': keep-alive\n\n');
    }
    if (this.stats.version === this.pushedVersion && now - this.lastPush < 1000) return;
    this.pushedVersion = this.stats.version;
    this.lastPush = now;
    const data = message(JSON.stringify(this.stats.snapshot())); // encoded once for every stream
    for (const stream of this.streams) {
      if (stream.writableLength <= MAX_UNSENT_BYTES) stream.write(data);
    }
  }

  private hostAllowed(host: string | undefined): boolean {
    if (!LOOPBACK.has(this.options.host)) return true; // bound to a real interface: any name may reach it
    if (host === undefined) return false;
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
    return LOOPBACK.has(name); // a DNS-rebinding page would arrive with its own name here
  }
}

function message(json: string): string {
  return `data: ${json}\n\n`;
}

function answer(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}
