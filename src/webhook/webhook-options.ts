import { validateHeaderName, validateHeaderValue } from 'node:http';
import { hostname } from 'node:os';

/** Configuration of a {@link WebhookExporter}, as GO Feature Flag's webhook exporter takes it. */
export interface WebhookExporterOptions {
  /** Where batches are POSTed; http or https only. Required. */
  endpointUrl: string;
  /** Signs each body (`X-Hub-Signature-256`); none when absent or empty. */
  secret?: string;
  /** Sent as the body's `meta`; `hostname` is added unless given. */
  meta?: Record<string, string>;
  /** Extra request headers; an array sends the header once per value. */
  headers?: Record<string, string | string[]>;
  /** Total deadline of one HTTP attempt, in milliseconds. Default 10 000. */
  timeout?: number;
  /** In-call retries of transient failures. Default 2 (3 attempts in all). */
  maxRetries?: number;
}

/** The options once checked, with defaults filled in. */
export interface ResolvedWebhookOptions {
  endpointUrl: string;
  origin: string;
  secret?: string;
  meta: Record<string, string>;
  headers: Record<string, string | string[]>;
  timeout: number;
  maxRetries: number;
}

/** Headers the exporter owns: configuring them would break the body or its signature. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'webhook-id', 'x-hub-signature-256']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function integerOption(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`WebhookExporter option ${name} must be a number`);
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`WebhookExporter option ${name} must be an integer ≥ ${min}`);
  }
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
  if (options.secret !== undefined && typeof options.secret !== 'string') {
    throw new TypeError('WebhookExporter option secret must be a string');
  }
  const resolved: ResolvedWebhookOptions = {
    endpointUrl: options.endpointUrl,
    origin: url.origin,
    meta: checkMeta(options.meta),
    headers: checkHeaders(options.headers),
    timeout: integerOption(options.timeout, 'timeout', 10_000, 1),
    maxRetries: integerOption(options.maxRetries, 'maxRetries', 2, 0),
  };
  if (options.secret) resolved.secret = options.secret;
  return resolved;
}
