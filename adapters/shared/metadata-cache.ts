import { goKeyOrder } from '../../src/go-key-order.js';

/** Distinct values kept per level before a level is cleared (the SDKs' vocabularies are far smaller). */
const LIMIT = 256;

/**
 * A frozen `metadata` map of these entries, its keys inserted in the order Go
 * writes them (sorted by bytes). The core's encoder then takes its fast path
 * (one native `JSON.stringify`); an unsorted map costs it a full walk.
 * Keys that look like array indices still iterate first in JavaScript: those
 * rare maps take the walk, with the same bytes.
 */
export function goOrderedMetadata(entries: ReadonlyMap<string, unknown>): Readonly<Record<string, unknown>> {
  const names = [...entries.keys()].sort(goKeyOrder);
  const map: Record<string, unknown> = {};
  for (const name of names) map[name] = entries.get(name);
  return Object.freeze(map);
}

/**
 * The `metadata` of an adapter's events: the user's entries and `provider`,
 * then up to two fields from the evaluation (the SDK's reason, its error
 * code); a later field wins over a user's entry of the same name. One frozen
 * map per distinct pair is built once and shared by every event that has it:
 * the core validates and serializes a frozen map of primitives only once, and
 * the hot path allocates nothing for it.
 */
export class MetadataCache {
  private readonly entries: ReadonlyArray<readonly [string, unknown]>;
  private readonly cache = new Map<string | undefined, Map<string | undefined, Readonly<Record<string, unknown>>>>();

  /**
   * @param entries the user's `metadata` option, checked
   * @param provider `metadata.provider`: the SDK's name
   * @param firstName the field `get`'s first argument goes to (e.g. 'reason')
   * @param secondName the field its second argument goes to (e.g. 'errorCode')
   */
  constructor(
    entries: ReadonlyArray<readonly [string, unknown]>,
    private readonly provider: string,
    private readonly firstName: string,
    private readonly secondName: string,
  ) {
    this.entries = entries.map(([key, value]) => [key, value] as const);
  }

  /** The shared map for these two values; an undefined value leaves its field out. */
  get(first: string | undefined, second: string | undefined): Readonly<Record<string, unknown>> {
    let bySecond = this.cache.get(first);
    if (bySecond === undefined) {
      if (this.cache.size >= LIMIT) this.cache.clear();
      bySecond = new Map();
      this.cache.set(first, bySecond);
    }
    let metadata = bySecond.get(second);
    if (metadata === undefined) {
      const entries = new Map<string, unknown>(this.entries);
      entries.set('provider', this.provider);
      if (first !== undefined) entries.set(this.firstName, first);
      if (second !== undefined) entries.set(this.secondName, second);
      metadata = goOrderedMetadata(entries);
      if (bySecond.size >= LIMIT) bySecond.clear();
      bySecond.set(second, metadata);
    }
    return metadata;
  }
}
