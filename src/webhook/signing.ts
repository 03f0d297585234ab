import { piecesByTurn } from '../slice-turns.js';
import { createHmac, type Hmac } from 'node:crypto';
import { SIGNATURE_HEADER, SIGNATURE_PREFIX } from '../signature.js';
import { STANDARD_SIGNATURE_HEADER, STANDARD_TIMESTAMP_HEADER, standardSecretKey } from '../standard-webhooks.js';
import type { SignatureScheme } from './webhook-options.js';

/** Bytes hashed between two turns of the event loop: a 4 MiB body never holds it in one piece. */
const BYTES_PER_TURN = 512 * 1024;

/** What signing one attempt needs: the exact bytes sent (in order), the batch id and the attempt's clock. */
export interface SigningInput {
  body: readonly Uint8Array[];
  webhookId: string;
  /** Milliseconds since the epoch at this attempt; Standard Webhooks sends it in whole seconds. */
  now: number;
}

/** Feeds every HMAC the same bytes, chunk by chunk, yielding to the event loop every BYTES_PER_TURN. */
async function updateAll(hmacs: readonly Hmac[], body: readonly Uint8Array[]): Promise<void> {
  for await (const piece of piecesByTurn(body, BYTES_PER_TURN)) for (const hmac of hmacs) hmac.update(piece);
}

/**
 * The signature headers of one attempt (SPEC §9). GitHub style signs the body
 * with the first (newest) secret, as given; Standard Webhooks signs
 * `<id>.<timestamp>.<body>` once per secret, and sends a timestamp even
 * unsigned so a receiver can still bound replays by time. The same values as
 * `sign` and `signStandardHeader`, computed over the body's chunks in slices.
 */
export async function signatureHeaders(
  scheme: SignatureScheme,
  secrets: readonly string[] | undefined,
  input: SigningInput,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  const timestamp = Math.floor(input.now / 1000);
  if (scheme !== 'github') headers[STANDARD_TIMESTAMP_HEADER] = String(timestamp);
  if (secrets === undefined) return headers;
  const github = scheme !== 'standard' ? createHmac('sha256', secrets[0] as string) : undefined;
  const standard =
    scheme !== 'github'
      ? secrets.map((secret) => createHmac('sha256', standardSecretKey(secret)).update(`${input.webhookId}.${timestamp}.`))
      : [];
  await updateAll(github ? [github, ...standard] : standard, input.body);
  if (github) headers[SIGNATURE_HEADER] = SIGNATURE_PREFIX + github.digest('hex');
  if (standard.length > 0) headers[STANDARD_SIGNATURE_HEADER] = standard.map((hmac) => 'v1,' + hmac.digest('base64')).join(' ');
  return headers;
}
