/**
 * Reading the signature headers of a delivery (SPEC §9), for either scheme,
 * before any HMAC is computed. Runtime-neutral: no `node:` import, so the
 * fetch receiver can use it on Web Crypto alone.
 */

/** Headers as node:http gives them (`req.headers`, `req.headersDistinct`) or as a Fetch `Headers`. */
export type WebhookHeaders =
  | {
      /** A header's value by name, case-insensitive; null when absent (Fetch `Headers.get`). */
      get(name: string): string | null;
    }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** The secret(s) a delivery may be signed with, newest first: any may match. */
export type WebhookSecret = string | readonly string[];

/**
 * Which signatures a receiver accepts: `'both'` (the default) either scheme; `'standard'` Standard
 * Webhooks only, so a request captured while GitHub-style headers were sent cannot be replayed
 * with its `webhook-signature` stripped; `'github'` `X-Hub-Signature-256` only.
 */
export type AcceptedScheme = 'github' | 'standard' | 'both';

const ACCEPTED_SCHEMES: readonly unknown[] = ['github', 'standard', 'both'];

/** Default `tolerance`: a Standard Webhooks timestamp may be this many seconds from now. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** What to check, once the headers are read: the HMAC input and the signatures to compare. */
export type SignatureClaim =
  | { ok: true; scheme: 'github'; webhookId: string | undefined; digests: Uint8Array[] }
  | { ok: true; scheme: 'standard'; webhookId: string; timestamp: number; digests: Uint8Array[] }
  | { ok: false; reason: string };

const GITHUB = 'x-hub-signature-256';
const GITHUB_FORMAT = /^sha256=([0-9a-f]{64})$/;
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=$/;
const TIMESTAMP_FORMAT = /^[0-9]{1,15}$/;
/** Standard Webhooks ids are short opaque tokens; anything longer is refused rather than echoed around. */
const MAX_ID_LENGTH = 256;

/** One header: its value, `several` when it was sent more than once, or undefined when absent. */
export function headerValue(headers: WebhookHeaders, name: string): string | { several: true } | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const value = (headers as { get(name: string): string | null }).get(name);
    return value === null ? undefined : value;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return undefined;
  if (value.length === 0) return undefined;
  if (value.length > 1) return { several: true };
  return typeof value[0] === 'string' ? value[0] : undefined;
}

/** A header sent exactly once, else undefined (absent or repeated). */
export function singleHeader(headers: WebhookHeaders, name: string): string | undefined {
  const value = headerValue(headers, name);
  return typeof value === 'string' ? value : undefined;
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Strict base64 to bytes (`atob` is on every runtime this targets). */
export function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Equal bytes, in time that depends only on the lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** The checked accepted scheme, or a reason. */
export function schemeProblem(scheme: unknown): string | undefined {
  return ACCEPTED_SCHEMES.includes(scheme) ? undefined : "signatureScheme must be 'github', 'standard' or 'both'";
}

/** The checked `tolerance` in seconds, or a reason. */
export function toleranceProblem(tolerance: unknown): string | undefined {
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
    return 'tolerance must be a finite number of seconds, 0 or more';
  }
  return undefined;
}

function standardClaim(headers: WebhookHeaders, signatureHeader: string, nowMs: number, tolerance: number): SignatureClaim {
  const id = headerValue(headers, 'webhook-id');
  if (id === undefined) return { ok: false, reason: 'missing webhook-id header' };
  if (typeof id !== 'string') return { ok: false, reason: 'several webhook-id headers' };
  if (id === '' || id.length > MAX_ID_LENGTH) return { ok: false, reason: 'malformed webhook-id header' };
  const stamp = headerValue(headers, 'webhook-timestamp');
  if (stamp === undefined) return { ok: false, reason: 'missing webhook-timestamp header' };
  if (typeof stamp !== 'string') return { ok: false, reason: 'several webhook-timestamp headers' };
  if (!TIMESTAMP_FORMAT.test(stamp)) return { ok: false, reason: 'malformed webhook-timestamp header (not Unix seconds)' };
  const timestamp = Number(stamp);
  const now = Math.floor(nowMs / 1000);
  if (timestamp < now - tolerance) return { ok: false, reason: `webhook-timestamp is too old (more than ${tolerance} s ago)` };
  if (timestamp > now + tolerance) return { ok: false, reason: `webhook-timestamp is too far in the future (more than ${tolerance} s ahead)` };

  const digests: Uint8Array[] = [];
  let malformed = 0;
  for (const token of signatureHeader.split(' ')) {
    if (token === '') continue;
    const comma = token.indexOf(',');
    const version = comma === -1 ? token : token.slice(0, comma);
    if (version !== 'v1') continue; // another version (v1a is asymmetric): not ours to check
    const encoded = token.slice(comma + 1);
    if (comma === -1 || !BASE64_DIGEST.test(encoded)) {
      malformed++;
      continue;
    }
    digests.push(base64Bytes(encoded));
  }
  if (digests.length === 0) {
    return { ok: false, reason: malformed > 0 ? 'malformed v1 signature in webhook-signature (not the base64 of an HMAC-SHA256)' : 'no v1 signature in webhook-signature' };
  }
  return { ok: true, scheme: 'standard', webhookId: id, timestamp, digests };
}

/** Why a request signed only under the other scheme is refused. */
function missingFor(accepted: AcceptedScheme, headers: WebhookHeaders): string {
  if (accepted === 'standard') {
    return headerValue(headers, GITHUB) === undefined
      ? 'missing webhook-signature header'
      : 'only Standard Webhooks signatures are accepted here (signatureScheme: standard); X-Hub-Signature-256 alone is refused';
  }
  if (accepted === 'github') {
    return headerValue(headers, 'webhook-signature') === undefined
      ? 'missing X-Hub-Signature-256 header'
      : 'only X-Hub-Signature-256 is accepted here (signatureScheme: github)';
  }
  return 'missing signature (neither webhook-signature nor X-Hub-Signature-256)';
}

/**
 * Reads the signature headers: Standard Webhooks when `webhook-signature` is
 * present (it also covers the id and a timestamp), else `X-Hub-Signature-256`;
 * only the scheme `accepted` names when it is not `'both'`.
 * Never throws; a missing, repeated or malformed header gives a reason.
 */
export function readSignatureClaim(headers: WebhookHeaders, nowMs: number, tolerance: number, accepted: AcceptedScheme = 'both'): SignatureClaim {
  try {
    const standard = accepted === 'github' ? undefined : headerValue(headers, 'webhook-signature');
    if (standard !== undefined) {
      // Node's req.headers and Fetch's Headers join a repeated header with ", ", which no single one holds.
      if (typeof standard !== 'string' || /,\s/.test(standard)) return { ok: false, reason: 'several webhook-signature headers' };
      return standardClaim(headers, standard, nowMs, tolerance);
    }
    const github = accepted === 'standard' ? undefined : headerValue(headers, GITHUB);
    if (github === undefined) return { ok: false, reason: missingFor(accepted, headers) };
    if (typeof github !== 'string') return { ok: false, reason: 'several X-Hub-Signature-256 headers' };
    const match = GITHUB_FORMAT.exec(github);
    if (match === null) return { ok: false, reason: 'malformed X-Hub-Signature-256 (expected sha256= and 64 lowercase hex digits)' };
    return { ok: true, scheme: 'github', webhookId: singleHeader(headers, 'webhook-id'), digests: [hexBytes(match[1]!)] };
  } catch {
    return { ok: false, reason: 'unreadable signature headers' };
  }
}

/** A verified delivery: which scheme signed it, its id and (Standard Webhooks) its timestamp. */
export interface WebhookVerified {
  /** The signature matched (and, for Standard Webhooks, the timestamp is within tolerance). */
  ok: true;
  /** Which scheme's signature was verified: `X-Hub-Signature-256` or Standard Webhooks. */
  scheme: 'github' | 'standard';
  /** `webhook-id`: signed under Standard Webhooks; under the GitHub scheme only informative. */
  webhookId: string | undefined;
  /** `webhook-timestamp` in Unix seconds (Standard Webhooks only). */
  timestamp?: number;
}

/** A refused delivery, and why (safe to answer to the sender: it holds no secret or header value). */
export interface WebhookRefused {
  /** The delivery must not be trusted. */
  ok: false;
  /** Why, in words: a missing header, a stale timestamp, no matching signature… */
  reason: string;
}

/** What `verifyWebhook` returns: check `ok` first. */
export type WebhookVerification = WebhookVerified | WebhookRefused;

/** The outcome once a claim's digests were compared: shared by the node and the Web Crypto verifiers. */
export function verdict(claim: SignatureClaim & { ok: true }, matched: boolean): WebhookVerification {
  if (!matched) return { ok: false, reason: NO_MATCH_REASON };
  return claim.scheme === 'standard'
    ? { ok: true, scheme: 'standard', webhookId: claim.webhookId, timestamp: claim.timestamp }
    : { ok: true, scheme: 'github', webhookId: claim.webhookId };
}

/** The reason given when no secret's signature matches. */
export const NO_MATCH_REASON = 'signature does not match (wrong secret, or another body, id or timestamp)';

/** The bytes a Standard Webhooks signature covers: `<id>.<timestamp>.<body>`. */
export function standardSignedContent(id: string, timestamp: number, body: Uint8Array): Uint8Array {
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix, 0);
  out.set(body, prefix.length);
  return out;
}

/** The secrets as a list, or a reason (verifyWebhook never throws). */
export function secretsProblem(secret: unknown): string | undefined {
  const list: unknown[] = Array.isArray(secret) ? secret : [secret];
  if (list.length === 0) return 'secret must be a non-empty string or a non-empty array of them';
  if (list.some((s) => typeof s !== 'string' || s === '')) return 'secret must be a non-empty string or a non-empty array of them';
  return undefined;
}
