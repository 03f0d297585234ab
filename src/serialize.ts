import type { ExportableEvent, FeatureEvent, TrackingEvent } from './events.js';

/**
 * JSON exactly as GO Feature Flag's Go structs marshal (SPEC §2): fixed field
 * order, map keys sorted. Every writer returns undefined, instead of throwing,
 * when a value cannot be carried faithfully (BigInt, function, symbol,
 * undefined, NaN/±Infinity, a cycle), so one bad event can be left out alone.
 */

type ToJSON = { toJSON(): unknown };

function hasToJSON(value: object): value is ToJSON {
  return typeof (value as Partial<ToJSON>).toJSON === 'function';
}

function writeArray(value: readonly unknown[], stack: object[]): string | undefined {
  let out = '[';
  for (let i = 0; i < value.length; i++) {
    const item = writeValue(value[i], stack);
    if (item === undefined) return undefined;
    out += i === 0 ? item : ',' + item;
  }
  return out + ']';
}

function writeObject(value: Record<string, unknown>, stack: object[]): string | undefined {
  const keys = Object.keys(value).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = writeValue(value[key], stack);
    if (item === undefined) return undefined;
    out += (i === 0 ? '' : ',') + JSON.stringify(key) + ':' + item;
  }
  return out + '}';
}

/** Canonical JSON of any value: map keys sorted at every depth, as Go's encoding/json writes a map. */
export function writeValue(value: unknown, stack: object[] = []): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (stack.includes(value)) return undefined;
      if (hasToJSON(value)) return writeValue(value.toJSON(), stack);
      stack.push(value);
      const out = Array.isArray(value) ? writeArray(value, stack) : writeObject(value as Record<string, unknown>, stack);
      stack.pop();
      return out;
    }
    default:
      return undefined;
  }
}

function hasEntries(value: Record<string, unknown>): boolean {
  for (const _ in value) return true;
  return false;
}

function isInteger(value: unknown): value is number {
  return Number.isInteger(value);
}

function writeFeature(event: FeatureEvent): string | undefined {
  const { userKey, key, variation, creationDate } = event;
  if (typeof userKey !== 'string' || typeof key !== 'string' || typeof variation !== 'string') return undefined;
  if (!isInteger(creationDate) || typeof event.default !== 'boolean') return undefined;
  const value = writeValue(event.value);
  if (value === undefined) return undefined;
  const version = event.version ?? '';
  const source = event.source ?? '';
  const contextKind = event.contextKind;
  if (typeof version !== 'string' || typeof source !== 'string') return undefined;
  if (contextKind !== undefined && typeof contextKind !== 'string') return undefined;
  let out = '{"kind":"feature"';
  if (contextKind) out += ',"contextKind":' + JSON.stringify(contextKind);
  out +=
    ',"userKey":' + JSON.stringify(userKey) +
    ',"creationDate":' + creationDate +
    ',"key":' + JSON.stringify(key) +
    ',"variation":' + JSON.stringify(variation) +
    ',"value":' + value +
    ',"default":' + (event.default ? 'true' : 'false') +
    ',"version":' + JSON.stringify(version) +
    ',"source":' + JSON.stringify(source);
  const metadata = event.metadata;
  if (metadata !== undefined) {
    if (!isRecord(metadata)) return undefined;
    if (hasEntries(metadata)) {
      const json = writeObject(metadata, [metadata]);
      if (json === undefined) return undefined;
      out += ',"metadata":' + json;
    }
  }
  return out + '}';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function writeTracking(event: TrackingEvent): string | undefined {
  const { userKey, key, creationDate, contextKind, evaluationContext, trackingEventDetails } = event;
  if (typeof userKey !== 'string' || typeof key !== 'string' || !isInteger(creationDate)) return undefined;
  if (contextKind !== undefined && typeof contextKind !== 'string') return undefined;
  if (!isRecord(evaluationContext) || !isRecord(trackingEventDetails)) return undefined;
  const context = writeObject(evaluationContext, [evaluationContext]);
  const details = writeObject(trackingEventDetails, [trackingEventDetails]);
  if (context === undefined || details === undefined) return undefined;
  let out = '{"kind":"tracking"';
  if (contextKind) out += ',"contextKind":' + JSON.stringify(contextKind);
  return (
    out +
    ',"userKey":' + JSON.stringify(userKey) +
    ',"creationDate":' + creationDate +
    ',"key":' + JSON.stringify(key) +
    ',"evaluationContext":' + context +
    ',"trackingEventDetails":' + details +
    '}'
  );
}

/** One event as GO Feature Flag serializes it, or undefined when it is invalid (SPEC §2). */
export function serializeEvent(event: ExportableEvent): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  if (event.kind === 'feature') return writeFeature(event);
  if (event.kind === 'tracking') return writeTracking(event);
  return undefined;
}

/** A webhook body and how many events were left out of it as invalid. */
export interface SerializedBatch {
  body: Buffer;
  /** Events of the batch that are in the body, in order. */
  eventCount: number;
  invalid: number;
}

/** `{"meta":{...},"events":[...]}` as UTF-8 bytes, the one buffer that is signed and sent. */
export function serializeBatch(meta: Readonly<Record<string, string>>, events: readonly ExportableEvent[]): SerializedBatch {
  let out = '{"meta":' + writeObject(meta, []) + ',"events":[';
  let eventCount = 0;
  for (let i = 0; i < events.length; i++) {
    const json = serializeEvent(events[i]!);
    if (json === undefined) continue;
    out += eventCount === 0 ? json : ',' + json;
    eventCount++;
  }
  const invalid = events.length - eventCount;
  return { body: Buffer.from(out + ']}', 'utf8'), eventCount, invalid };
}
