import { validateHeaderName, validateHeaderValue } from 'node:http';
import { hostname } from 'node:os';

/** Configuration of a `WebhookExporter`, as GO Feature Flag's webhook exporter takes it. */
export interface WebhookExporterOptions {
  /** Where batches are POSTed; http or https only. Required. */
  endpointUrl: string;
  /**
   * Signs each body; leave the key out to send unsigned. An array (non-empty,
   * newest first) rotates keys: Standard Webhooks sends one signature per
   * secret, the GitHub header the first secret's only. Present but empty or
   * `undefined` (an unset environment variable) is a TypeError.
   */
  secret?: string | readonly string[];
  /** Which signature headers to send. Default `'github'` (`X-Hub-Signature-256`, as GO Feature Flag). */
  signatureScheme?: SignatureScheme;
  /** `'gzip'` compresses each body (`Content-Encoding: gzip`); the signatures cover the compressed bytes. Default none. */
  compression?: Compression;
  /** Sent as the body's `meta`; `hostname` is added unless given. */
  meta?: Record<string, string>;
  /** Extra request headers; an array sends the header once per value. */
  headers?: Record<string, string | string[]>;
  /** Total deadline of one HTTP attempt, in milliseconds. Default 10 000. */
  timeout?: number;
  /** In-call retries of transient failures. Default 2 (3 attempts in all). */
  maxRetries?: number;
}

/** `'github'`: X-Hub-Signature-256; `'standard'`: Standard Webhooks; `'both'`: all of them, for migrating receivers. */
export type SignatureScheme = 'github' | 'standard' | 'both';
/** `'gzip'`: each body is gzipped and sent with `Content-Encoding: gzip`. */
export type Compression = 'gzip';

const SCHEMES: readonly SignatureScheme[] = ['github', 'standard', 'both'];
/** The longest delay a Node.js timer can hold; longer ones fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The options once checked, with defaults filled in. */
export interface ResolvedWebhookOptions {
  endpointUrl: string;
  origin: string;
  /** Newest first; absent when unsigned. */
  secrets?: readonly string[];
  signatureScheme: SignatureScheme;
  compression?: Compression;
  meta: Record<string, string>;
  headers: Record<string, string | string[]>;
  timeout: number;
  maxRetries: number;
}

/** Headers the exporter owns: configuring them would break the body or its signature. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-hub-signature-256',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function integerOption(value: unknown, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`WebhookExporter option ${name} must be a number`);
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`WebhookExporter option ${name} must be an integer ≥ ${min}`);
  }
  if (value > max) throw new RangeError(`WebhookExporter option ${name} must be at most ${max} (the longest timer Node.js can hold)`);
  return value;
}

/** Messages name the option and the position, never the value: it is a secret. */
function checkSecrets(options: WebhookExporterOptions): readonly string[] | undefined {
  if (!Object.prototype.hasOwnProperty.call(options, 'secret')) return undefined;
  const secret: unknown = options.secret;
  if (secret === undefined || secret === '') {
    throw new TypeError(
      'WebhookExporter option secret is empty or undefined (an unset environment variable?); leave the option out to send unsigned',
    );
  }
  if (typeof secret === 'string') return [secret];
  if (!Array.isArray(secret)) throw new TypeError('WebhookExporter option secret must be a string or an array of strings');
  if (secret.length === 0) throw new TypeError('WebhookExporter option secret must not be an empty array');
  secret.forEach((item: unknown, i) => {
    if (typeof item !== 'string') throw new TypeError(`WebhookExporter option secret[${i}] must be a string`);
    if (item === '') throw new TypeError(`WebhookExporter option secret[${i}] is empty`);
  });
  return [...(secret as string[])];
}

function checkScheme(value: unknown): SignatureScheme {
  if (value === undefined) return 'github';
  if (!SCHEMES.includes(value as SignatureScheme)) {
    throw new TypeError(`WebhookExporter option signatureScheme must be one of 'github', 'standard', 'both'`);
  }
  return value as SignatureScheme;
}

function checkCompression(value: unknown): Compression | undefined {
  if (value === undefined) return undefined;
  if (value !== 'gzip') throw new TypeError(`WebhookExporter option compression must be 'gzip' or left out`);
  return value;
}

function checkEndpoint(endpointUrl: unknown): URL {
  if (typeof endpointUrl !== 'string' || endpointUrl === '') {
    throw new TypeError('WebhookExporter option endpointUrl is required (an http or https URL)');
  }
  let url: URL;
  try {
    url = new URL(endpointUrl);
  } catch {
    throw new TypeError('WebhookExporter option endpointUrl is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`WebhookExporter option endpointUrl must use http or https, not ${url.protocol}`);
  }
  return url;
}

function checkMeta(meta: unknown): Record<string, string> {
  if (meta === undefined) return { hostname: hostname() };
  if (!isRecord(meta)) throw new TypeError('WebhookExporter option meta must be an object of strings');
  for (const [key, value] of Object.entries(meta)) {
    if (typeof value !== 'string') throw new TypeError(`WebhookExporter option meta.${key} must be a string`);
  }
  return { hostname: hostname(), ...(meta as Record<string, string>) };
}

/** Node's own header checks (axios would silently strip a CR/LF); messages never quote the value. */
function checkHeaders(headers: unknown): Record<string, string | string[]> {
  if (headers === undefined) return {};
  if (!isRecord(headers)) throw new TypeError('WebhookExporter option headers must be an object');
  const checked: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    try {
      validateHeaderName(name);
    } catch {
      throw new TypeError(`WebhookExporter option headers has an invalid header name ${JSON.stringify(name)}`);
    }
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new TypeError(`WebhookExporter option headers cannot set ${name}: the exporter sets it`);
    }
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (typeof item !== 'string') {
        throw new TypeError(`WebhookExporter option headers.${name} must be a string or an array of strings`);
      }
      try {
        validateHeaderValue(name, item);
      } catch {
        throw new TypeError(`WebhookExporter option headers.${name} has a value that is not valid in an HTTP header`);
      }
    }
    checked[name] = Array.isArray(value) ? [...(value as string[])] : (value as string);
  }
  return checked;
}

/** Checks a configuration; a `TypeError` or `RangeError` names the field, never a secret value. */
export function resolveWebhookOptions(options: WebhookExporterOptions): ResolvedWebhookOptions {
  if (!isRecord(options)) throw new TypeError('WebhookExporter options must be an object');
  const url = checkEndpoint(options.endpointUrl);
  const secrets = checkSecrets(options);
  const compression = checkCompression(options.compression);
  const resolved: ResolvedWebhookOptions = {
    endpointUrl: options.endpointUrl,
    origin: url.origin,
    signatureScheme: checkScheme(options.signatureScheme),
    meta: checkMeta(options.meta),
    headers: checkHeaders(options.headers),
    timeout: integerOption(options.timeout, 'timeout', 10_000, 1, MAX_TIMER_MS),
    maxRetries: integerOption(options.maxRetries, 'maxRetries', 2, 0),
  };
  if (secrets !== undefined) resolved.secrets = secrets;
  if (compression !== undefined) resolved.compression = compression;
  return resolved;
}
