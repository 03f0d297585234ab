import { sign } from '../../src/signature.js';
import { signStandardHeader } from '../../src/standard-webhooks.js';

/** A minimal valid webhook body. */
export const BODY = JSON.stringify({
  meta: { hostname: 'h' },
  events: [{ kind: 'feature', userKey: 'u1', creationDate: 1, key: 'k', variation: 'v', value: 1, default: false }],
});

/** Unix seconds now (fake or real clock). */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Standard Webhooks headers as our exporter sends them (one `v1,` per secret). */
export function standardHeaders(
  body: string | Uint8Array,
  secrets: readonly string[],
  { id = 'msg_1', timestamp = nowSeconds() }: { id?: string; timestamp?: number } = {},
): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signStandardHeader(id, timestamp, body, secrets) };
}

/** The GitHub-style header, keyed with the first secret as given. */
export function githubHeaders(body: string | Uint8Array, secret: string, id?: string): Record<string, string> {
  return { 'x-hub-signature-256': sign(body, secret), ...(id === undefined ? {} : { 'webhook-id': id }) };
}
