import { EventEncoder } from './event-encoder.js';
import type { ExportableEvent } from './events.js';

/**
 * Webhook bodies as GO Feature Flag's Go structs marshal them (SPEC §2), on
 * the one walker of `event-encoder.ts`: what it refuses is what is left out.
 */

/** One event as GO Feature Flag serializes it, or undefined when it is invalid (SPEC §2). Never throws. */
export function serializeEvent(event: ExportableEvent): string | undefined {
  return new EventEncoder().encode(event);
}

/** A webhook body and how many events were left out of it as invalid. */
export interface SerializedBatch {
  body: Buffer;
  /** Events of the batch that are in the body, in order. */
  eventCount: number;
  invalid: number;
}

/** `{"meta":` and the canonical JSON of `meta`, up to where the events begin. */
export function bodyPrefix(meta: Readonly<Record<string, string>>): string {
  return '{"meta":' + new EventEncoder().encodeValue(meta, 'meta') + ',"events":[';
}

export const BODY_SUFFIX = ']}';

/** `{"meta":{...},"events":[...]}` as UTF-8 bytes, the one buffer that is signed and sent. */
export function serializeBatch(meta: Readonly<Record<string, string>>, events: readonly ExportableEvent[]): SerializedBatch {
  const encoder = new EventEncoder();
  const parts: string[] = [];
  for (let i = 0; i < events.length; i++) {
    const json = encoder.encode(events[i]);
    if (json !== undefined) parts.push(json);
  }
  // join() yields one flat string: cheaper to encode than a long chain of concatenations.
  const json = bodyPrefix(meta) + parts.join(',') + BODY_SUFFIX;
  return { body: Buffer.from(json, 'utf8'), eventCount: parts.length, invalid: events.length - parts.length };
}
