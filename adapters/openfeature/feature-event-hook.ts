import type { EvaluationDetails, FlagValue, Hook, HookContext } from '@openfeature/server-sdk';
import { diag } from '@opentelemetry/api';
import { SDK_DEFAULT_VARIATION, UNDEFINED_TARGETING_KEY, unixSeconds, type FeatureEvent } from '../../src/events.js';

export { SDK_DEFAULT_VARIATION, UNDEFINED_TARGETING_KEY };

/** Where the hook puts its events: a `BatchProcessor`, or anything with `add`. */
export interface FeatureEventSink {
  add(event: FeatureEvent): void;
}

export interface FeatureEventHookOptions {
  /** `source` of every event; 'SERVER' unless set. */
  source?: string;
  /** Entries put first in every event's `metadata` (then `provider` and `reason`). */
  metadata?: Record<string, unknown>;
}

/** Providers, and reasons per provider, whose metadata maps are kept for reuse. */
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
  // The metadata option as parallel arrays: copying an object built by spread
  // and then adding keys costs V8 ~1 µs, a plain loop ~30 ns.
  private readonly metadataKeys: readonly string[];
  private readonly metadataValues: readonly unknown[];
  /**
   * One frozen metadata map per (provider, reason): events share it, and the
   * core validates and serializes a frozen map of primitives only once.
   */
  private readonly metadataCache = new Map<string | undefined, Map<string | undefined, Readonly<Record<string, unknown>>>>();

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
    this.sink = sink;
    this.source = options.source ?? 'SERVER';
    // Copied now, so later changes by the caller do not leak into events.
    // Undefined entries are left out: JSON cannot carry them and they would make every event invalid.
    const entries = Object.entries(options.metadata ?? {}).filter(([, value]) => value !== undefined);
    this.metadataKeys = entries.map(([key]) => key);
    this.metadataValues = entries.map(([, value]) => value);
  }

  finally(hookContext: Readonly<HookContext>, evaluationDetails: EvaluationDetails<FlagValue>): void {
    try {
      this.sink.add(this.toEvent(hookContext, evaluationDetails));
    } catch (err) {
      // Never into the caller's evaluation; the SDK would only log it anyway.
      diag.warn('FeatureEventHook: could not record a flag evaluation', err);
    }
  }

  private toEvent(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): FeatureEvent {
    const context = hookContext.context;
    const targetingKey = context.targetingKey;
    const hasKey = typeof targetingKey === 'string' && targetingKey !== '';
    const failed = Boolean(details.errorCode) || details.reason === 'DISABLED';

    const metadata = this.metadataFor(hookContext.providerMetadata?.name, details.reason);
    const event: FeatureEvent = {
      kind: 'feature',
      contextKind: context.anonymous === true || !hasKey ? 'anonymousUser' : 'user',
      userKey: hasKey ? targetingKey : UNDEFINED_TARGETING_KEY,
      creationDate: unixSeconds(),
      key: hookContext.flagKey,
      variation: failed || !details.variant ? SDK_DEFAULT_VARIATION : details.variant,
      value: details.value,
      default: failed,
      source: this.source,
      metadata,
    };
    const version = details.flagMetadata?.version;
    if (version !== undefined) event.version = String(version);
    return event;
  }

  private metadataFor(provider: string | undefined, reason: string | undefined): Readonly<Record<string, unknown>> {
    let byReason = this.metadataCache.get(provider);
    if (byReason === undefined) {
      if (this.metadataCache.size >= METADATA_CACHE_LIMIT) this.metadataCache.clear();
      byReason = new Map();
      this.metadataCache.set(provider, byReason);
    }
    let metadata = byReason.get(reason);
    if (metadata === undefined) {
      const built: Record<string, unknown> = {};
      const keys = this.metadataKeys;
      for (let i = 0; i < keys.length; i++) built[keys[i]!] = this.metadataValues[i];
      // Guarded, as an undefined entry would make the whole event invalid.
      if (provider !== undefined) built.provider = provider;
      if (reason !== undefined) built.reason = reason;
      metadata = Object.freeze(built);
      if (byReason.size >= METADATA_CACHE_LIMIT) byReason.clear();
      byReason.set(reason, metadata);
    }
    return metadata;
  }
}
