import { goKeyOrder } from './go-key-order.js';

/**
 * The fast path of the encoder (SPEC §2). Most feature events are flat plain
 * objects whose own keys already come in the order of GO Feature Flag's Go
 * struct (our adapters build them so): for those, `JSON.stringify` writes
 * exactly the bytes `EventEncoder` would, natively and many events at a time.
 * This check accepts an event only when that is certain, so it never decides
 * validity: whatever it declines goes to `EventEncoder`, which refuses or
 * writes it. A property test holds the two to the same bytes.
 */

/** Go's field order of `exporter.FeatureEvent`; contextKind and metadata may be absent. */
const FIELDS = ['kind', 'contextKind', 'userKey', 'creationDate', 'key', 'variation', 'value', 'default', 'version', 'source', 'metadata'];
const CONTEXT_KIND = 1;
const SOURCE = 9;
const METADATA = 10;

const objectPrototype = Object.prototype;

function isPrimitiveJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      return value === null;
    default:
      return false;
  }
}

/** A plain map of JSON primitives, not empty, whose keys iterate in Go's sorted order. */
function isSortedFlatMap(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== objectPrototype) return false;
  const map = value as Record<string, unknown>;
  let previous: string | undefined;
  for (const key in map) {
    if (!isPrimitiveJson(map[key])) return false;
    if (previous !== undefined && goKeyOrder(previous, key) >= 0) return false;
    previous = key;
  }
  // An empty map is not written at all by the encoder; JSON.stringify would write {}.
  return previous !== undefined;
}

/**
 * True when `JSON.stringify(event)` is exactly the event's GO Feature Flag
 * JSON: a plain object with exactly Go's fields in Go's order (version and
 * source present, contextKind absent or not empty), primitive values of the
 * right types, and metadata (if any) a flat, sorted, non-empty plain map.
 * Anything else answers false and takes the encoder's full walk.
 */
export function isPlainFeatureEvent(event: unknown): boolean {
  if (typeof event !== 'object' || event === null || Object.getPrototypeOf(event) !== objectPrototype) return false;
  const record = event as Record<string, unknown>;
  let field = 0;
  for (const key in record) {
    if (field === CONTEXT_KIND && key !== 'contextKind') field++;
    if (key !== FIELDS[field]) return false;
    field++;
  }
  if (field <= SOURCE) return false;
  const { contextKind, creationDate, value } = record;
  return (
    record.kind === 'feature' &&
    (contextKind === undefined || (typeof contextKind === 'string' && contextKind !== '')) &&
    typeof record.userKey === 'string' &&
    Number.isSafeInteger(creationDate) &&
    typeof record.key === 'string' &&
    typeof record.variation === 'string' &&
    isPrimitiveJson(value) &&
    value !== undefined &&
    typeof record.default === 'boolean' &&
    typeof record.version === 'string' &&
    typeof record.source === 'string' &&
    (field === METADATA || isSortedFlatMap(record.metadata))
  );
}

/** False when someone gave objects or arrays a `toJSON`: JSON.stringify would call it, the encoder would not. */
export function stringifyIsPlain(): boolean {
  return (objectPrototype as { toJSON?: unknown }).toJSON === undefined && (Array.prototype as { toJSON?: unknown }).toJSON === undefined;
}
