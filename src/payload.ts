import type { ExportableEvent } from './events.js';

/** A webhook body as GO Feature Flag's webhook exporter (and ours) sends it. */
export interface WebhookPayload {
  /** The sender's `meta` (string values; `hostname` unless the sender set its own). */
  meta?: Record<string, string>;
  /** Checked only for shape: objects with a string `kind`. */
  events: ExportableEvent[];
}

/** What the receiver knows about a delivery besides its body. */
export interface BatchInfo {
  /** The `webhook-id` header: the same on every retry of a batch. */
  webhookId: string | undefined;
  /** The scheme whose signature was verified; undefined on a receiver without a secret. */
  scheme?: 'github' | 'standard';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a parsed body is not a webhook payload, or undefined when it is. */
export function payloadProblem(payload: unknown): string | undefined {
  if (!isRecord(payload)) return 'the body must be a JSON object';
  if (payload.meta !== undefined && !isRecord(payload.meta)) return 'meta must be an object';
  if (!Array.isArray(payload.events)) return 'events must be an array';
  for (let i = 0; i < payload.events.length; i++) {
    const event: unknown = payload.events[i];
    if (!isRecord(event)) return `events[${i}] must be an object`;
    if (typeof event.kind !== 'string') return `events[${i}].kind must be a string`;
  }
  return undefined;
}
