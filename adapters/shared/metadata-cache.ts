/** Distinct values kept per level before a level is cleared (the SDKs' vocabularies are far smaller). */
const LIMIT = 256;

/**
 * The `metadata` of an adapter's events: the user's entries, then `provider`,
 * then up to two fields from the evaluation (the SDK's reason, its error code).
 * One frozen map per distinct pair is built once and shared by every event
 * that has it: the core validates and serializes a frozen map of primitives
 * only once, and the hot path allocates nothing for it.
 */
export class MetadataCache {
  private readonly keys: readonly string[];
  private readonly values: readonly unknown[];
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
    // Parallel arrays: copying a spread object and then adding keys costs V8 far more than a loop.
    this.keys = entries.map(([key]) => key);
    this.values = entries.map(([, value]) => value);
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
      const built: Record<string, unknown> = {};
      for (let i = 0; i < this.keys.length; i++) built[this.keys[i]!] = this.values[i];
      built.provider = this.provider;
      if (first !== undefined) built[this.firstName] = first;
      if (second !== undefined) built[this.secondName] = second;
      metadata = Object.freeze(built);
      if (bySecond.size >= LIMIT) bySecond.clear();
      bySecond.set(second, metadata);
    }
    return metadata;
  }
}
