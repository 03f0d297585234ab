import { encodeSlice } from './encoded-slice.js';
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
  const { bytes, invalid } = encodeSlice(new EventEncoder(), events, { head: bodyPrefix(meta), tail: BODY_SUFFIX });
  return { body: bytes, eventCount: events.length - invalid, invalid };
}
