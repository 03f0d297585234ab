import dc from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/**
 * Records every host this process tries to reach while it watches: HTTP(S)
 * requests through node:http/https, fetch (undici) connections, and plain TCP
 * sockets (their DNS lookups and connection attempts). The flag SDKs run
 * offline in the tests; this proves they did not try to phone home.
 */
export interface NetworkWatch {
  /** Every host or address seen, in order, duplicates included. */
  readonly hosts: string[];
  /** The hosts that are not this machine's loopback. */
  outside(): string[];
  stop(): void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function watchNetwork(): NetworkWatch {
  const hosts: string[] = [];
  const onHttp = (message: unknown): void => {
    const request = (message as { request?: { host?: string } }).request;
    hosts.push(String(request?.host));
  };
  const onUndici = (message: unknown): void => {
    const params = (message as { connectParams?: { hostname?: string } }).connectParams;
    hosts.push(String(params?.hostname));
  };
  const onSocket = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket;
    socket.once('lookup', (_err: Error | null, _address: string, _family: number, host: string) => hosts.push(host));
    socket.once('connectionAttempt', (ip: string) => hosts.push(ip));
  };
  dc.subscribe('http.client.request.start', onHttp);
  dc.subscribe('undici:client:beforeConnect', onUndici);
  dc.subscribe('net.client.socket', onSocket);
  return {
    hosts,
    outside: () => hosts.filter((host) => !LOOPBACK.has(host)),
    stop() {
      dc.unsubscribe('http.client.request.start', onHttp);
      dc.unsubscribe('undici:client:beforeConnect', onUndici);
      dc.unsubscribe('net.client.socket', onSocket);
    },
  };
}
