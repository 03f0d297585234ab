import type { EvaluationDetails, FlagValue, Hook, HookContext } from '@openfeature/server-sdk';
import { SDK_DEFAULT_VARIATION, UNDEFINED_TARGETING_KEY, unixSeconds, type FeatureEvent } from '../../src/events.js';
import { goOrderedMetadata } from '../shared/metadata-cache.js';
import { contextKindOf, userKeyOf } from './evaluation-context.js';

export { SDK_DEFAULT_VARIATION, UNDEFINED_TARGETING_KEY };

/** Where the hook puts its events: a `BatchProcessor`, or anything with `add`. */
export interface FeatureEventSink {
  add(event: FeatureEvent): void;
}

/**
 * Decides, per evaluation, whether it becomes an event: a truthy return value
 * records it. Gets the flag key and the evaluation details the hook received.
 */
export type FeatureEventFilter = (flagKey: string, details: Readonly<EvaluationDetails<FlagValue>>) => boolean;

/** Options of `FeatureEventHook`. */
export interface FeatureEventHookOptions {
  /** `source` of every event; 'SERVER' unless set. */
  source?: string;
  /** Entries of every event's `metadata`, beside `provider`, `reason` and `errorCode` (which win on a clash). */
  metadata?: Record<string, unknown>;
  /**
   * Events only for the evaluations it accepts (say, some flags only). One
   * that throws records nothing for that evaluation and is logged through the
   * hook's logger; it never reaches the caller.
   */
  filter?: FeatureEventFilter;
}

/** The `metadata` key holding OpenFeature's error code of a failed evaluation, as OpenFeature spells it. */
export const METADATA_ERROR_CODE = 'errorCode';

/**
 * Logs through the hook's logger: the one the user gave OpenFeature (the SDK's
 * own prints to the console). Never throws into the caller's evaluation, even
 * with a broken logger or a malformed hook context.
 */
function warn(hookContext: Readonly<HookContext> | undefined, message: string, err: unknown): void {
  try {
    hookContext?.logger?.warn(message, err);
  } catch {
    // Nowhere left to report it.
  }
}

/** Providers, and reasons (with error codes) per provider, whose metadata maps are kept for reuse. */
const METADATA_CACHE_LIMIT = 256;

/**
 * An OpenFeature server hook that adds one `FeatureEvent` per flag evaluation
 * to a sink (SPEC §7). It works in `finally`, which runs once per evaluation
 * whatever happened before, and is synchronous: server hooks are awaited, so
 * returning a promise would add a tick to every evaluation.
 */
export class FeatureEventHook implements Hook {
  readonly name = 'FeatureEventHook';
  private readonly sink: FeatureEventSink;
  private readonly source: string;
  private readonly filter: FeatureEventFilter | undefined;
  private readonly metadataEntries: ReadonlyArray<readonly [string, unknown]>;
  /**
   * One frozen metadata map per (provider, reason, error code), null for none: events share
   * it, and the core validates and serializes a frozen map of primitives only once.
   */
  private readonly metadataCache = new Map<string | undefined, Map<string | undefined, Readonly<Record<string, unknown>> | null>>();

  constructor(sink: FeatureEventSink, options: FeatureEventHookOptions = {}) {
    if (sink === null || typeof sink !== 'object' || typeof sink.add !== 'function') {
      throw new TypeError('FeatureEventHook: the sink must have an add(event) method');
    }
    if (options.source !== undefined && typeof options.source !== 'string') {
      throw new TypeError('FeatureEventHook: options.source must be a string');
    }
    if (options.metadata !== undefined && (options.metadata === null || typeof options.metadata !== 'object')) {
      throw new TypeError('FeatureEventHook: options.metadata must be an object');
    }
    if (options.filter !== undefined && typeof options.filter !== 'function') {
      throw new TypeError('FeatureEventHook: options.filter must be a function');
    }
    this.sink = sink;
    this.source = options.source ?? 'SERVER';
    this.filter = options.filter;
    // Copied now, so later changes by the caller do not leak into events.
    // Undefined entries are left out: JSON cannot carry them and they would make every event invalid.
    this.metadataEntries = Object.entries(options.metadata ?? {}).filter(([, value]) => value !== undefined);
  }

  finally(hookContext: Readonly<HookContext>, evaluationDetails: EvaluationDetails<FlagValue>): void {
    if (this.filter !== undefined && !this.accepts(hookContext, evaluationDetails)) return;
    try {
      this.sink.add(this.toEvent(hookContext, evaluationDetails));
    } catch (err) {
      warn(hookContext, 'FeatureEventHook: could not record a flag evaluation', err);
    }
  }

  /** The filter's verdict; a filter that throws records nothing. */
  private accepts(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): boolean {
    try {
      return Boolean(this.filter!(hookContext.flagKey, details));
    } catch (err) {
      warn(hookContext, 'FeatureEventHook: the filter option threw; the evaluation was not recorded', err);
      return false;
    }
  }

  private toEvent(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): FeatureEvent {
    const context = hookContext.context;
    // The SDK always passes one; anything else would make an event without a user.
    if (context === null || typeof context !== 'object') throw new TypeError('the hook context has no evaluation context');
    const errorCode = details.errorCode;
    const failed = Boolean(errorCode) || details.reason === 'DISABLED';

    const metadata = this.metadataFor(hookContext.providerMetadata?.name, details.reason, errorCode || undefined);
    const version = details.flagMetadata?.version;
    // Keys in Go's field order, version always present ('' as Go writes an absent one):
    // such an event takes the encoder's fast path.
    const event: FeatureEvent = {
      kind: 'feature',
      contextKind: contextKindOf(context),
      userKey: userKeyOf(context),
      creationDate: unixSeconds(),
      key: hookContext.flagKey,
      variation: failed || !details.variant ? SDK_DEFAULT_VARIATION : details.variant,
      value: details.value,
      default: failed,
      version: version === undefined ? '' : String(version),
      source: this.source,
    };
    // An empty map is not written at all; left out, the event stays on the fast path.
    if (metadata !== null) event.metadata = metadata;
    return event;
  }

  private metadataFor(provider: string | undefined, reason: string | undefined, errorCode: string | undefined): Readonly<Record<string, unknown>> | null {
    let byReason = this.metadataCache.get(provider);
    if (byReason === undefined) {
      if (this.metadataCache.size >= METADATA_CACHE_LIMIT) this.metadataCache.clear();
      byReason = new Map();
      this.metadataCache.set(provider, byReason);
    }
    // Most evaluations have no error code: their key is the reason alone, with no string to build.
    const cacheKey = errorCode === undefined ? reason : `${reason ?? ''}\u0000${errorCode}`;
    let metadata = byReason.get(cacheKey);
    if (metadata === undefined) {
      // The option's entries, then ours, which win over an entry of the same name.
      const entries = new Map<string, unknown>(this.metadataEntries);
      // Guarded, as an undefined entry would make the whole event invalid.
      if (provider !== undefined) entries.set('provider', provider);
      if (reason !== undefined) entries.set('reason', reason);
      if (errorCode !== undefined) entries.set(METADATA_ERROR_CODE, errorCode);
      metadata = entries.size === 0 ? null : goOrderedMetadata(entries);
      if (byReason.size >= METADATA_CACHE_LIMIT) byReason.clear();
      byReason.set(cacheKey, metadata);
    }
    return metadata;
  }
}
