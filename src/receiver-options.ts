/**
 * The options of `createReceiver` and `createFetchReceiver` (SPEC §6, §9, §11,
 * issue 12 item 6), checked once at construction. Runtime-neutral.
 */
import type { BatchInfo, WebhookPayload } from './payload.js';
import { DEFAULT_TOLERANCE_SECONDS, schemeProblem, toleranceProblem, type AcceptedScheme, type WebhookSecret } from './webhook-headers.js';

/** Default body limit of a receiver (applied to the decompressed bytes of a gzip body too). */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Default time a request has to deliver its whole body. */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
/** Default cap on the bytes buffered by all requests of one receiver at once. */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** Default replay window of `dedupe`, in ms (one hour). */
export const DEFAULT_DEDUPE_WINDOW_MS = 60 * 60 * 1000;
/** Default count of webhook ids `dedupe` remembers at most (the oldest are forgotten first). */
export const DEFAULT_DEDUPE_MAX_IDS = 10_000;

/** The longest a timer can wait. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Opt-in replay protection: a `webhook-id` already processed within `window` is answered 200, not processed again. */
export interface DedupeOptions {
  /** How long an id is remembered, in ms. Default 1 hour. */
  window?: number;
  /** At most this many ids are remembered (the oldest forgotten first). Default 10,000. */
  maxIds?: number;
}

/** Options of `createReceiver` and `createFetchReceiver`; only `onBatch` is required. */
export interface ReceiverOptions {
  /**
   * When set, requests must carry a valid signature (else 401 with the reason):
   * Standard Webhooks or `X-Hub-Signature-256`. Several secrets (newest first) during a
   * rotation: any may match. Present but empty or undefined is a TypeError; leave the key
   * out to receive unsigned requests.
   */
  secret?: WebhookSecret;
  /** How far a Standard Webhooks timestamp may be from now, in seconds. Default 300. */
  tolerance?: number;
  /**
   * The signatures accepted when a secret is set: `'both'` (default) either scheme; `'standard'` only
   * Standard Webhooks (the last step of a migration: a request captured while GitHub-style headers
   * were sent can no longer be replayed); `'github'` only `X-Hub-Signature-256`.
   */
  signatureScheme?: AcceptedScheme;
  /** Larger bodies (decompressed, for gzip) are answered 413. Default 32 MiB. */
  maxBodyBytes?: number;
  /** A request that has not sent its whole body within this many ms is answered 408. Default 30 s. */
  bodyTimeout?: number;
  /** Past this many bytes buffered by all requests at once, a request is answered 503. Default 64 MiB. */
  maxBufferedBytes?: number;
  /** Opt-in replay protection; `true` for the defaults. */
  dedupe?: boolean | DedupeOptions;
  /** Called once per accepted batch; a throw or rejection answers 500 so the sender retries. */
  onBatch(payload: WebhookPayload, info: BatchInfo): void | Promise<void>;
}

/** The options once checked, with their defaults. */
export interface ResolvedReceiverOptions {
  secrets: readonly string[] | undefined;
  tolerance: number;
  signatureScheme: AcceptedScheme;
  maxBodyBytes: number;
  bodyTimeout: number;
  maxBufferedBytes: number;
  dedupe: { window: number; maxIds: number } | undefined;
  onBatch: ReceiverOptions['onBatch'];
}

function positiveInteger(who: string, name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${who} option ${name} must be a positive integer`);
  }
  if (value > max) throw new RangeError(`${who} option ${name} must be at most ${max}`);
  return value;
}

/** The secrets as a list; a present but empty or undefined secret is a TypeError naming the option. */
function resolveSecrets(who: string, options: ReceiverOptions): readonly string[] | undefined {
  if (!Object.hasOwn(options, 'secret')) return undefined;
  const secret: unknown = options.secret;
  if (secret === undefined) {
    throw new TypeError(`${who} option secret is undefined (an unset environment variable?); leave the key out to receive unsigned requests`);
  }
  const list: unknown[] = Array.isArray(secret) ? secret : [secret];
  if (list.length === 0) throw new TypeError(`${who} option secret must be a non-empty string or a non-empty array of them`);
  list.forEach((s, i) => {
    if (typeof s !== 'string' || s === '') {
      const at = Array.isArray(secret) ? `secret[${i}]` : 'secret';
      throw new TypeError(`${who} option ${at} must be a non-empty string (it is ${s === '' ? 'empty' : typeof s})`);
    }
    if (s.startsWith('whsec_')) {
      try {
        atob(s.slice('whsec_'.length));
      } catch {
        throw new TypeError(`${who} option ${Array.isArray(secret) ? `secret[${i}]` : 'secret'} has the whsec_ prefix but is not base64 after it`);
      }
    }
  });
  return list as string[];
}

function resolveDedupe(who: string, dedupe: ReceiverOptions['dedupe']): ResolvedReceiverOptions['dedupe'] {
  if (dedupe === undefined || dedupe === false) return undefined;
  const given: DedupeOptions = dedupe === true ? {} : dedupe;
  if (typeof given !== 'object' || given === null) throw new TypeError(`${who} option dedupe must be true or an object`);
  return {
    window: positiveInteger(who, 'dedupe.window', given.window, DEFAULT_DEDUPE_WINDOW_MS),
    maxIds: positiveInteger(who, 'dedupe.maxIds', given.maxIds, DEFAULT_DEDUPE_MAX_IDS),
  };
}

/** Checks a receiver's options; throws naming the option the user wrote. */
export function resolveReceiverOptions(who: string, options: ReceiverOptions): ResolvedReceiverOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${who} needs an options object`);
  if (typeof options.onBatch !== 'function') throw new TypeError(`${who} option onBatch must be a function`);
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE_SECONDS;
  if (toleranceProblem(tolerance) !== undefined) throw new RangeError(`${who} option ${toleranceProblem(tolerance)}`);
  const signatureScheme = options.signatureScheme ?? 'both';
  if (schemeProblem(signatureScheme) !== undefined) throw new TypeError(`${who} option ${schemeProblem(signatureScheme)}`);
  return {
    secrets: resolveSecrets(who, options),
    tolerance,
    signatureScheme,
    maxBodyBytes: positiveInteger(who, 'maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    bodyTimeout: positiveInteger(who, 'bodyTimeout', options.bodyTimeout, DEFAULT_BODY_TIMEOUT_MS, MAX_TIMER_MS),
    maxBufferedBytes: positiveInteger(who, 'maxBufferedBytes', options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES),
    dedupe: resolveDedupe(who, options.dedupe),
    onBatch: options.onBatch,
  };
}
