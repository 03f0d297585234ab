import { SDK_DEFAULT_VARIATION, UNDEFINED_TARGETING_KEY, unixSeconds, type FeatureEvent } from '../../src/events.js';
import { checkOptions, checkSink, warnNotRecorded, type AdapterOptions, type FeatureEventSink } from '../shared/adapter-options.js';
import { MetadataCache } from '../shared/metadata-cache.js';

// The SDK's types, as far as the hook reads them. Structural, so this module
// loads (and its declarations compile) without @launchdarkly/node-server-sdk,
// and any 9.x minor's `Hook` interface accepts the class.

/** One kind's part of an LDContext (or a legacy LDUser). */
export interface LaunchDarklyContextPart {
  /** The context's key: the user key of the event. */
  key?: string;
  /** The SDK's anonymous flag; true gives `contextKind: 'anonymousUser'`. */
  anonymous?: boolean;
}

/** An LDContext: a legacy user, one kind, or `kind: 'multi'` with one part per kind (read as a record). */
export interface LaunchDarklyContext extends LaunchDarklyContextPart {
  /** The context kind (`'user'`, another kind, or `'multi'`); absent for a legacy user. */
  kind?: string;
}

/** The `EvaluationSeriesContext` the SDK passes to a hook. */
export interface LaunchDarklyEvaluationSeriesContext {
  /** The key of the flag evaluated. */
  readonly flagKey: string;
  /** The context the flag was evaluated for. */
  readonly context: LaunchDarklyContext;
}

/** The `LDEvaluationDetail` the SDK passes to `afterEvaluation`. */
export interface LaunchDarklyEvaluationDetail {
  /** The value the caller got: the flag's variation, or the caller's default. */
  value: unknown;
  /** The SDK's variation index; absent when the caller's default came back. */
  variationIndex?: number | null;
  /** The SDK's `LDEvaluationReason`, as far as the hook reads it. */
  reason: {
    /** The reason's kind: `'OFF'`, `'FALLTHROUGH'`, `'TARGET_MATCH'`, `'RULE_MATCH'`, `'PREREQUISITE_FAILED'` or `'ERROR'`. */
    kind: string;
    /** With kind `'ERROR'`: what went wrong (`'FLAG_NOT_FOUND'`, `'WRONG_TYPE'`, …). */
    errorKind?: string;
  };
}

/** The data a hook's stages hand on to each other (`EvaluationSeriesData`). */
export type LaunchDarklyEvaluationSeriesData = { readonly [key: string]: unknown };

/** Options of `LaunchDarklyEventHook`: `source` and `metadata`, as every adapter takes them. */
export type LaunchDarklyEventHookOptions = AdapterOptions;

const ADAPTER = 'LaunchDarklyEventHook';

/**
 * A hook of the LaunchDarkly Node.js server SDK (9.x) that adds one
 * `FeatureEvent` per flag evaluation to the processor (SPEC §12), from
 * `afterEvaluation`, synchronously. Register it with
 * `init(sdkKey, { hooks: [hook] })` or `client.addHook(hook)`.
 *
 * Mapping: `variation` is the variation index as a string; the caller's
 * default coming back (reason `ERROR`, or no variation index, as for a flag
 * that is off without an off variation) gives `default: true` and
 * `variation: 'SdkDefault'`; `metadata.reason` is the reason's kind,
 * `metadata.errorCode` its `errorKind`. The hook never throws into the SDK.
 */
export class LaunchDarklyEventHook {
  private readonly sink: FeatureEventSink;
  private readonly source: string;
  private readonly metadata: MetadataCache;

  constructor(processor: FeatureEventSink, options?: LaunchDarklyEventHookOptions) {
    checkSink(ADAPTER, processor);
    const checked = checkOptions(ADAPTER, options);
    this.sink = processor;
    this.source = checked.source;
    this.metadata = new MetadataCache(checked.metadataEntries, 'launchdarkly', 'reason', 'errorCode');
  }

  /** The hook's name, as the SDK asks for it. */
  getMetadata(): {
    /** The hook's name: `'LaunchDarklyEventHook'`. */
    readonly name: string;
  } {
    return { name: ADAPTER };
  }

  /** Records the evaluation; returns the series data unchanged, as the SDK expects. */
  afterEvaluation(
    hookContext: LaunchDarklyEvaluationSeriesContext,
    data: LaunchDarklyEvaluationSeriesData,
    detail: LaunchDarklyEvaluationDetail,
  ): LaunchDarklyEvaluationSeriesData {
    try {
      this.sink.add(this.toEvent(hookContext, detail));
    } catch (err) {
      warnNotRecorded(ADAPTER, err);
    }
    return data;
  }

  private toEvent(hookContext: LaunchDarklyEvaluationSeriesContext, detail: LaunchDarklyEvaluationDetail): FeatureEvent {
    const part = contextPart(hookContext.context);
    const key = part?.key;
    const hasKey = typeof key === 'string' && key !== '';
    const index = detail.variationIndex;
    const reason = detail.reason;
    // No variation index means the SDK handed back the caller's default.
    const failed = reason?.kind === 'ERROR' || typeof index !== 'number';
    return {
      kind: 'feature',
      contextKind: part?.anonymous === true || !hasKey ? 'anonymousUser' : 'user',
      userKey: hasKey ? key : UNDEFINED_TARGETING_KEY,
      creationDate: unixSeconds(),
      key: hookContext.flagKey,
      variation: failed ? SDK_DEFAULT_VARIATION : String(index),
      // JSON cannot carry undefined (a caller's undefined default): null stands for it.
      value: detail.value === undefined ? null : detail.value,
      default: failed,
      // No version from the SDK: '' as Go writes it, set so the event is in Go's field order (the encoder's fast path).
      version: '',
      source: this.source,
      metadata: this.metadata.get(reason?.kind, reason?.errorKind),
    };
  }
}

/**
 * The part of the context whose key is the user key: the context itself, or
 * for a multi-kind context its `user` part, else its first part.
 */
function contextPart(context: LaunchDarklyContext | undefined): LaunchDarklyContextPart | undefined {
  if (context === null || typeof context !== 'object') return undefined;
  if (context.kind !== 'multi') return context;
  const parts = context as unknown as Readonly<Record<string, unknown>>;
  const user = parts.user;
  if (user !== null && typeof user === 'object') return user as LaunchDarklyContextPart;
  for (const kind in parts) {
    const part = parts[kind];
    if (kind !== 'kind' && part !== null && typeof part === 'object') return part as LaunchDarklyContextPart;
  }
  return undefined;
}
