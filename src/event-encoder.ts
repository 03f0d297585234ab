import type { FeatureEvent, TrackingEvent } from './events.js';
import { FeatureTails, flatSize } from './feature-tails.js';
import { sortKeys } from './go-key-order.js';

/**
 * The one JSON walker (SPEC §2): it decides both whether an event is valid
 * and what bytes it becomes, so the two can never disagree. It writes JSON
 * exactly as GO Feature Flag's Go structs marshal (fixed field order, map keys
 * sorted) and refuses, with a reason naming the path, what JSON cannot carry
 * faithfully: BigInt, functions, symbols, undefined, NaN/±Infinity, cycles,
 * nesting past MAX_JSON_DEPTH.
 *
 * An encoder's caches live as long as the encoder: the processor uses one per
 * batch it forms, so no cache outlives the traffic that filled it.
 */

/**
 * Deepest nesting of objects and arrays an event may carry: far from any
 * stack limit, so an event is refused long before walking it could overflow.
 */
export const MAX_JSON_DEPTH = 512;

type ToJSON = { toJSON(): unknown };

/** A `new String()`, `new Number()` or `new Boolean()`: JSON writes the primitive inside. */
export function isBoxedPrimitive(value: object): value is { valueOf(): string | number | boolean } {
  return value instanceof String || value instanceof Number || value instanceof Boolean;
}

function hasToJSON(value: object): value is ToJSON {
  return typeof (value as Partial<ToJSON>).toJSON === 'function';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasEntries(value: Record<string, unknown>): boolean {
  for (const _ in value) return true;
  return false;
}



/** JSON of frozen flat maps (the OpenFeature hook reuses one per provider and reason): they cannot change. */
const frozenMaps = new WeakMap<object, string>();

/** Writes events as GO Feature Flag does, or says why one cannot be written. Never throws. */
export class EventEncoder {
  /** Why the last `encode` (or `encodeValue`) returned undefined. */
  problem: string | undefined;
  private path = '';
  private readonly stack: object[] = [];
  private readonly tails = new FeatureTails();

  /** One event's JSON, or undefined with `problem` set when the event is invalid (SPEC §2). */
  encode(event: unknown): string | undefined {
    this.problem = undefined;
    this.path = '';
    this.stack.length = 0;
    try {
      if (!isRecord(event)) return this.refuse('an event must be an object');
      const kind = event.kind;
      if (kind === 'feature') return this.writeFeature(event as unknown as FeatureEvent);
      if (kind === 'tracking') return this.writeTracking(event as unknown as TrackingEvent);
      return this.refuse("kind must be 'feature' or 'tracking'");
    } catch {
      // A getter, a Proxy or a toJSON that throws: the event cannot be read, so it is invalid.
      return this.refuse('the event could not be read (a getter, proxy or toJSON threw)');
    }
  }

  /** Canonical JSON of any value (map keys sorted at every depth), or undefined with `problem` naming `path`. */
  encodeValue(value: unknown, path: string): string | undefined {
    this.problem = undefined;
    this.path = '';
    this.stack.length = 0;
    try {
      return this.field(path, this.writeValue(value));
    } catch {
      return this.refuse(`${path} could not be read (a getter, proxy or toJSON threw)`);
    }
  }

  private refuse(reason: string): undefined {
    this.problem = reason;
    return undefined;
  }

  /** Turns a nested failure into a reason that names the field and the path inside it. */
  private field(name: string, json: string | undefined): string | undefined {
    if (json === undefined) this.problem = `${name}${this.path} ${this.problem ?? 'cannot be written'}`;
    return json;
  }

  /** A failure below `segment`: the path grows on the way up, only when something failed. */
  private failedAt(segment: string): undefined {
    this.path = segment + this.path;
    return undefined;
  }

  private quote(value: string): string {
    return JSON.stringify(value);
  }

  private writeValue(value: unknown): string | undefined {
    switch (typeof value) {
      case 'string':
        return this.quote(value);
      case 'number':
        return Number.isFinite(value) ? String(value) : this.refuse(`is ${value}, which JSON cannot carry`);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'object': {
        if (value === null) return 'null';
        if (this.stack.includes(value)) return this.refuse('contains a cycle');
        if (this.stack.length >= MAX_JSON_DEPTH) return this.refuse(`nests deeper than ${MAX_JSON_DEPTH} levels`);
        if (isBoxedPrimitive(value)) return this.writeValue(value.valueOf());
        // As JSON.stringify does: what is sent is what toJSON returns.
        if (hasToJSON(value)) return this.writeValue(value.toJSON());
        this.stack.push(value);
        const out = Array.isArray(value) ? this.writeArray(value) : this.writeObject(value as Record<string, unknown>);
        this.stack.pop();
        return out;
      }
      case 'undefined':
        return this.refuse('is undefined, which JSON cannot carry');
      default:
        return this.refuse(`is a ${typeof value}, which JSON cannot carry`);
    }
  }

  private writeArray(value: readonly unknown[]): string | undefined {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item = this.writeValue(value[i]);
      if (item === undefined) return this.failedAt(`[${i}]`);
      out += i === 0 ? item : ',' + item;
    }
    return out + ']';
  }

  /** A map, key by key (its own toJSON is not called: a map field is written as Go writes a map). */
  private writeObject(value: Record<string, unknown>): string | undefined {
    const keys = Object.keys(value);
    sortKeys(keys);
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const item = this.writeValue(value[key]);
      if (item === undefined) return this.failedAt(`.${key}`);
      out += (i === 0 ? '' : ',') + this.quote(key) + ':' + item;
    }
    return out + '}';
  }

  /** A map field of an event (metadata, evaluationContext, ...). */
  private writeMap(value: Record<string, unknown>): string | undefined {
    const frozen = Object.isFrozen(value);
    if (frozen) {
      const cached = frozenMaps.get(value);
      if (cached !== undefined) return cached;
    }
    this.stack.push(value);
    const json = this.writeObject(value);
    this.stack.pop();
    if (json !== undefined && frozen && flatSize(value, Infinity) >= 0) frozenMaps.set(value, json);
    return json;
  }

  private optionalString(event: Record<string, unknown>, name: string): string | undefined | null {
    const value = event[name];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    this.refuse(`${name} must be a string`);
    return null;
  }

  /** The fields both kinds start with, up to creationDate; undefined with `problem` set when one is wrong. */
  private writeHead(event: FeatureEvent | TrackingEvent): string | undefined {
    const { userKey, key, creationDate } = event as unknown as Record<string, unknown>;
    if (typeof userKey !== 'string') return this.refuse('userKey must be a string');
    if (typeof key !== 'string') return this.refuse('key must be a string');
    // Go decodes it as an int64: 1e21 would be sent as `1e+21` and 2**63 rounded, and the receiver refuses the batch.
    if (!Number.isSafeInteger(creationDate)) return this.refuse('creationDate must be a safe integer (Unix seconds)');
    const contextKind = this.optionalString(event as unknown as Record<string, unknown>, 'contextKind');
    if (contextKind === null) return undefined;
    return (
      (event.kind === 'feature' ? '{"kind":"feature"' : '{"kind":"tracking"') +
      (contextKind ? ',"contextKind":' + this.quote(contextKind) : '') +
      ',"userKey":' + JSON.stringify(userKey) +
      ',"creationDate":' + (creationDate as number)
    );
  }

  private writeFeature(event: FeatureEvent): string | undefined {
    const record = event as unknown as Record<string, unknown>;
    const head = this.writeHead(event);
    if (head === undefined) return undefined;
    if (typeof record.variation !== 'string') return this.refuse('variation must be a string');
    if (typeof record.default !== 'boolean') return this.refuse('default must be a boolean');
    if (record.value === undefined) return this.refuse('value is required');
    // Only an absent version/source is written as ""; null is the wrong type.
    const version = this.optionalString(record, 'version');
    if (version === null) return undefined;
    const source = this.optionalString(record, 'source');
    if (source === null) return undefined;
    const metadata = record.metadata;
    if (metadata !== undefined && !isRecord(metadata)) return this.refuse('metadata must be an object');
    const tail = this.featureTail(event, version ?? '', source ?? '', metadata);
    return tail === undefined ? undefined : head + tail;
  }

  private featureTail(
    event: FeatureEvent,
    version: string,
    source: string,
    metadata: Record<string, unknown> | undefined,
  ): string | undefined {
    const found = this.tails.find(event, version, source, metadata);
    if (found !== undefined) return found;
    const json = this.writeTail(event, version, source, metadata);
    if (json !== undefined) this.tails.remember(event, version, source, metadata, json);
    return json;
  }

  private writeTail(event: FeatureEvent, version: string, source: string, metadata: Record<string, unknown> | undefined): string | undefined {
    const value = this.field('value', this.writeValue(event.value));
    if (value === undefined) return undefined;
    let out =
      ',"key":' + this.quote(event.key) +
      ',"variation":' + this.quote(event.variation) +
      ',"value":' + value +
      ',"default":' + (event.default ? 'true' : 'false') +
      ',"version":' + this.quote(version) +
      ',"source":' + this.quote(source);
    if (metadata !== undefined && hasEntries(metadata)) {
      const json = this.field('metadata', this.writeMap(metadata));
      if (json === undefined) return undefined;
      out += ',"metadata":' + json;
    }
    return out + '}';
  }

  private writeTracking(event: TrackingEvent): string | undefined {
    const head = this.writeHead(event);
    if (head === undefined) return undefined;
    const { evaluationContext, trackingEventDetails } = event;
    if (!isRecord(evaluationContext)) return this.refuse('evaluationContext must be an object');
    if (!isRecord(trackingEventDetails)) return this.refuse('trackingEventDetails must be an object');
    const context = this.field('evaluationContext', this.writeMap(evaluationContext));
    if (context === undefined) return undefined;
    const details = this.field('trackingEventDetails', this.writeMap(trackingEventDetails));
    if (details === undefined) return undefined;
    return head + ',"key":' + this.quote(event.key) + ',"evaluationContext":' + context + ',"trackingEventDetails":' + details + '}';
  }
}

