import { MAX_JSON_DEPTH, isBoxedPrimitive, type ExportableEvent, type FeatureEvent, type TrackingEvent } from './events.js';

/**
 * JSON exactly as GO Feature Flag's Go structs marshal (SPEC §2): fixed field
 * order, map keys sorted. Every writer returns undefined, instead of throwing,
 * when a value cannot be carried faithfully (BigInt, function, symbol,
 * undefined, NaN/±Infinity, a cycle), so one bad event can be left out alone.
 */

type ToJSON = { toJSON(): unknown };

/**
 * Flag keys, variants, versions and metadata values repeat across events, so
 * their JSON forms are kept: a Map lookup costs a fraction of JSON.stringify.
 */
const quoted = new Map<string, string>();
const QUOTED_LIMIT = 4096;
const QUOTED_MAX_LENGTH = 256;

/** JSON string literal of a string that is likely to repeat. */
function quoteRepeated(value: string): string {
  let json = quoted.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    if (value.length <= QUOTED_MAX_LENGTH) {
      if (quoted.size >= QUOTED_LIMIT) quoted.clear();
      quoted.set(value, json);
    }
  }
  return json;
}

/**
 * JSON of frozen objects whose values are all primitives: they cannot change,
 * so an adapter that reuses one (the OpenFeature hook does for `metadata`)
 * has it serialized once.
 */
const frozenJson = new WeakMap<object, string>();

function isFlatAndFrozen(value: Record<string, unknown>): boolean {
  if (!Object.isFrozen(value)) return false;
  for (const key in value) {
    const item = value[key];
    if (typeof item === 'object' && item !== null) return false;
  }
  return true;
}

/** Canonical JSON of a map, from the cache when it is frozen and flat. */
function writeMap(value: Record<string, unknown>): string | undefined {
  const cached = frozenJson.get(value);
  if (cached !== undefined) return cached;
  const json = writeObject(value, [value]);
  if (json !== undefined && isFlatAndFrozen(value)) frozenJson.set(value, json);
  return json;
}

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

/**
 * Go sorts map keys by their UTF-8 bytes, which is code point order. JavaScript's
 * `<` compares UTF-16 units, which differs only when a surrogate (an astral
 * character) meets a unit in U+E000-U+FFFF; those rare keys take the slow path.
 */
function keyOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && x <= 0xdfff) x += 0x10000;
    if (y >= 0xd800 && y <= 0xdfff) y += 0x10000;
    return x - y;
  }
  return a.length - b.length;
}

function inUtf16Order(a: string, b: string): boolean {
  return a > b;
}

function inGoOrder(a: string, b: string): boolean {
  return keyOrder(a, b) > 0;
}

/** True when some key has a code unit at or above U+D800, where UTF-16 and UTF-8 orders can differ. */
function hasHighUnits(keys: readonly string[]): boolean {
  for (const key of keys) if (/[\ud800-\uffff]/.test(key)) return true;
  return false;
}

/** Sorts in place; maps here are small, where insertion sort beats Array#sort. */
function sortKeys(keys: string[]): string[] {
  const after = hasHighUnits(keys) ? inGoOrder : inUtf16Order;
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && after(keys[j]!, key)) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

function writeObject(value: Record<string, unknown>, stack: object[]): string | undefined {
  const keys = Object.keys(value);
  if (keys.length <= 32) sortKeys(keys);
  else if (hasHighUnits(keys)) keys.sort(keyOrder);
  else keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = writeValue(value[key], stack);
    if (item === undefined) return undefined;
    out += (i === 0 ? '' : ',') + quoteRepeated(key) + ':' + item;
  }
  return out + '}';
}

/** Canonical JSON of any value: map keys sorted at every depth, as Go's encoding/json writes a map. */
export function writeValue(value: unknown, stack: object[] = []): string | undefined {
  switch (typeof value) {
    case 'string':
      return quoteRepeated(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (stack.includes(value) || stack.length >= MAX_JSON_DEPTH) return undefined;
      if (isBoxedPrimitive(value)) return writeValue(value.valueOf(), stack);
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

/** Go reads creationDate as an int64: only a safe integer is written as digits JSON can carry exactly. */
function isInteger(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

/**
 * The JSON of everything after `creationDate` in a feature event: the part
 * that repeats across events of one flag (key, variation, value, default,
 * version, source, metadata). Kept per flag key with what it was written
 * from, and reused only when every one of those fields is equal, so the bytes
 * are the same as writing them again.
 */
interface FeatureTail {
  variation: string;
  value: unknown;
  isDefault: boolean;
  version: string;
  source: string;
  /** The metadata map's entries when written; undefined when there was none. */
  metadata: Record<string, unknown> | undefined;
  metadataSize: number;
  json: string;
}

const tailsByFlag = new Map<string, FeatureTail[]>();
const TAIL_FLAGS_LIMIT = 4096;
const TAILS_PER_FLAG = 16;
/** Larger metadata maps are written each time: comparing them would cost as much. */
const TAIL_MAX_METADATA = 8;

/** Size of a map whose values are all primitives, or -1 (not cacheable). */
function flatSize(map: Record<string, unknown>): number {
  let size = 0;
  for (const key in map) {
    const item = map[key];
    if (typeof item === 'object' && item !== null) return -1;
    if (++size > TAIL_MAX_METADATA) return -1;
  }
  return size;
}

function sameMetadata(tail: FeatureTail, metadata: Record<string, unknown> | undefined): boolean {
  const cached = tail.metadata;
  if (cached === undefined || metadata === undefined) return cached === metadata;
  let size = 0;
  for (const key in metadata) {
    if (cached[key] !== metadata[key] || !(key in cached)) return false;
    size++;
  }
  return size === tail.metadataSize;
}

function findTail(tails: FeatureTail[], event: FeatureEvent, version: string, source: string): FeatureTail | undefined {
  for (let i = 0; i < tails.length; i++) {
    const tail = tails[i]!;
    if (
      tail.variation === event.variation &&
      tail.value === event.value &&
      tail.isDefault === event.default &&
      tail.version === version &&
      tail.source === source &&
      sameMetadata(tail, event.metadata)
    ) {
      return tail;
    }
  }
  return undefined;
}

function writeTail(event: FeatureEvent, key: string, version: string, source: string): string | undefined {
  const { variation, metadata } = event;
  const value = writeValue(event.value);
  if (value === undefined) return undefined;
  let out =
    ',"key":' + quoteRepeated(key) +
    ',"variation":' + quoteRepeated(variation) +
    ',"value":' + value +
    ',"default":' + (event.default ? 'true' : 'false') +
    ',"version":' + quoteRepeated(version) +
    ',"source":' + quoteRepeated(source);
  if (metadata !== undefined) {
    if (!isRecord(metadata)) return undefined;
    if (hasEntries(metadata)) {
      const json = writeMap(metadata);
      if (json === undefined) return undefined;
      out += ',"metadata":' + json;
    }
  }
  return out + '}';
}

function featureTail(event: FeatureEvent, key: string, version: string, source: string): string | undefined {
  const value = event.value;
  const metadata = event.metadata;
  const cacheable =
    (typeof value !== 'object' || value === null) && (metadata === undefined || (isRecord(metadata) && !hasToJSON(metadata)));
  if (!cacheable) return writeTail(event, key, version, source);
  let tails = tailsByFlag.get(key);
  const found = tails && findTail(tails, event, version, source);
  if (found) return found.json;
  const json = writeTail(event, key, version, source);
  const metadataSize = metadata === undefined ? 0 : flatSize(metadata);
  if (json === undefined || metadataSize < 0 || key.length > QUOTED_MAX_LENGTH) return json;
  if (tails === undefined) {
    if (tailsByFlag.size >= TAIL_FLAGS_LIMIT) tailsByFlag.clear();
    tails = [];
    tailsByFlag.set(key, tails);
  }
  if (tails.length >= TAILS_PER_FLAG) tails.length = 0;
  tails.push({
    variation: event.variation,
    value,
    isDefault: event.default,
    version,
    source,
    // A copy: the caller may change its map later; the cached bytes must not follow.
    metadata: metadata === undefined ? undefined : { ...metadata },
    metadataSize,
    json,
  });
  return json;
}

/** `{"kind":"feature","contextKind":"user","userKey":` and the like, per contextKind. */
const featurePrefixes = new Map<string | undefined, string>();

function featurePrefix(contextKind: string | undefined): string {
  let prefix = featurePrefixes.get(contextKind);
  if (prefix === undefined) {
    prefix = '{"kind":"feature"' + (contextKind ? ',"contextKind":' + JSON.stringify(contextKind) : '') + ',"userKey":';
    if (featurePrefixes.size >= QUOTED_LIMIT) featurePrefixes.clear();
    featurePrefixes.set(contextKind, prefix);
  }
  return prefix;
}

function writeFeature(event: FeatureEvent): string | undefined {
  const { userKey, key, variation, creationDate } = event;
  if (typeof userKey !== 'string' || typeof key !== 'string' || typeof variation !== 'string') return undefined;
  if (!isInteger(creationDate) || typeof event.default !== 'boolean') return undefined;
  // Only an absent version/source is written as ""; null is the wrong type, as validateEvent says.
  const version = event.version === undefined ? '' : event.version;
  const source = event.source === undefined ? '' : event.source;
  const contextKind = event.contextKind;
  if (typeof version !== 'string' || typeof source !== 'string') return undefined;
  if (contextKind !== undefined && typeof contextKind !== 'string') return undefined;
  const tail = featureTail(event, key, version, source);
  if (tail === undefined) return undefined;
  return featurePrefix(contextKind) + JSON.stringify(userKey) + ',"creationDate":' + creationDate + tail;
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
  if (contextKind) out += ',"contextKind":' + quoteRepeated(contextKind);
  return (
    out +
    ',"userKey":' + JSON.stringify(userKey) +
    ',"creationDate":' + creationDate +
    ',"key":' + quoteRepeated(key) +
    ',"evaluationContext":' + context +
    ',"trackingEventDetails":' + details +
    '}'
  );
}

/**
 * One event as GO Feature Flag serializes it, or undefined when it is invalid (SPEC §2).
 * Never throws: an event whose reading throws (a getter, a toJSON, nesting past the
 * stack) is invalid too, so it cannot fail, and so block, the rest of its batch.
 */
export function serializeEvent(event: ExportableEvent): string | undefined {
  try {
    if (typeof event !== 'object' || event === null) return undefined;
    if (event.kind === 'feature') return writeFeature(event);
    if (event.kind === 'tracking') return writeTracking(event);
    return undefined;
  } catch {
    return undefined;
  }
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
  const parts: string[] = [];
  for (let i = 0; i < events.length; i++) {
    const json = serializeEvent(events[i]!);
    if (json !== undefined) parts.push(json);
  }
  // join() yields one flat string: cheaper to encode than a long chain of concatenations.
  const json = '{"meta":' + writeObject(meta, []) + ',"events":[' + parts.join(',') + ']}';
  return { body: Buffer.from(json, 'utf8'), eventCount: parts.length, invalid: events.length - parts.length };
}
