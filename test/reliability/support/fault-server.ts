import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the server does with one request. */
export type Fault =
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  /** Reads the body, then never answers (the client's deadline must end it). */
  | { kind: 'hang' }
  /** Destroys the connection as soon as the request starts, before reading the body. */
  | { kind: 'reset-before-body' }
  /** Reads the whole body, then destroys the connection without an answer. */
  | { kind: 'reset-after-body' };

/** One request as the server saw it. */
export interface ReceivedRequest {
  /** 0-based, in arrival order. */
  index: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Undefined when the connection was reset before the body was read. */
  body?: Buffer;
  webhookId?: string;
  fault: Fault;
}

/** Decides, per request, what the server does. `body` is undefined only for the early decision. */
export interface FaultSchedule {
  /** Asked first, before the body is read: return true to reset at once. */
  resetBeforeBody?(index: number): boolean;
  /** Asked once the body is read. */
  decide(request: Omit<ReceivedRequest, 'fault'>): Fault;
}

export const ALWAYS_OK: FaultSchedule = { decide: () => ({ kind: 'answer', status: 200 }) };

/**
 * A `node:http` endpoint on 127.0.0.1 that answers each request as a schedule
 * says: a status (2xx, 4xx, 413, 429 with Retry-After, 5xx, 3xx), slowly or
 * not; hangs; resets the connection before or after the body. `down()` closes
 * it so connections are refused, `up()` opens it again on the same port.
 */
export class FaultServer {
  readonly received: ReceivedRequest[] = [];
  /** Called with every request once its fate is decided (before the answer is written). */
  onRequest: ((request: ReceivedRequest) => void) | undefined;
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly hangWaiters: Array<() => void> = [];
  private port = 0;
  private requestCount = 0;
  private listening = false;
  /** Keep request bodies in `received` (off for long runs). */
  keepBodies = true;

  constructor(public schedule: FaultSchedule = ALWAYS_OK) {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  get requests(): number {
    return this.requestCount;
  }

  /** Resolves when the client gives up on a hanging request (its connection closes). */
  hangEnded(): Promise<void> {
    return new Promise((resolve) => this.hangWaiters.push(resolve));
  }

  async start(): Promise<this> {
    await this.listen(0);
    return this;
  }

  /** Stops listening and cuts every open connection: new connections are refused. */
  async down(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.cutConnections();
    await closed;
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    if (this.listening) return;
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.down();
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        this.listening = true;
        resolve();
      });
    });
  }

  private cutConnections(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const index = this.requestCount++;
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const base = {
      index,
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      webhookId: typeof req.headers['webhook-id'] === 'string' ? req.headers['webhook-id'] : undefined,
    };
    if (this.schedule.resetBeforeBody?.(index)) {
      this.record({ ...base, fault: { kind: 'reset-before-body' } });
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const fault = this.schedule.decide({ ...base, body });
      this.record({ ...base, body, fault });
      this.apply(fault, req, res);
    });
  }

  private record(request: ReceivedRequest): void {
    this.received.push(this.keepBodies ? request : { ...request, body: undefined });
    this.onRequest?.(request);
  }

  private apply(fault: Fault, req: IncomingMessage, res: ServerResponse): void {
    switch (fault.kind) {
      case 'hang':
        req.socket.once('close', () => {
          const waiters = this.hangWaiters.splice(0);
          for (const resolve of waiters) resolve();
        });
        return;
      case 'reset-before-body':
      case 'reset-after-body':
        req.socket.destroy();
        return;
      case 'answer': {
        const write = (): void => {
          if (res.destroyed) return;
          res.writeHead(fault.status, fault.headers);
          res.end(fault.body);
        };
        if (!fault.delayMs) return write();
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          write();
        }, fault.delayMs);
        this.timers.add(timer);
        return;
      }
    }
  }
}
