import type {
  EvaluationContext,
  Hook,
  JsonValue,
  Logger,
  Paradigm,
  Provider,
  ProviderMetadata,
  ProviderStatus,
  ResolutionDetails,
  TrackingEventDetails,
} from '@openfeature/server-sdk';
import { diag } from '@opentelemetry/api';
import { unixSeconds, type TrackingEvent } from '../../src/events.js';
import { contextKindOf, definedEntries, userKeyOf } from './evaluation-context.js';

/** Where `TrackingProvider` puts its events: a `BatchProcessor`, or anything with `add`. */
export interface TrackingEventSink {
  /** Takes one tracking event; synchronous, as `BatchProcessor.add` is. */
  add(event: TrackingEvent): void;
}

/** Options of `TrackingProvider`. */
export interface TrackingProviderOptions {
  /**
   * Called for each `track()` call; a tracking event is recorded only when it
   * returns a truthy value. The wrapped provider's own `track` is called either way. A
   * filter that throws records nothing for that call and never reaches the caller.
   */
  filter?(trackingEventName: string, context: Readonly<EvaluationContext>, details: Readonly<TrackingEventDetails>): boolean;
}

/** What providers of other paradigms or versions may also have; forwarded when present. */
interface OptionalProviderParts {
  onContextChange?(oldContext: EvaluationContext, newContext: EvaluationContext): Promise<void> | void;
}

const RESOLVERS = ['resolveBooleanEvaluation', 'resolveStringEvaluation', 'resolveNumberEvaluation', 'resolveObjectEvaluation'] as const;

/**
 * An OpenFeature server provider that wraps another one (SPEC §12): it
 * forwards everything to it (metadata, hooks, events, lifecycle, every
 * resolution and its own `track`) and turns each `client.track(name, context,
 * details)` into a GO Feature Flag `TrackingEvent` for the sink, the same
 * event GO Feature Flag's own OpenFeature provider sends.
 *
 * The lifecycle methods exist on the wrapper only when the wrapped provider
 * has them, so the SDK treats both alike (a provider without `initialize` is
 * ready at once).
 */
export class TrackingProvider implements Provider {
  /** Forwarded when the wrapped provider has it. */
  readonly initialize?: (context?: EvaluationContext, domain?: string) => Promise<void>;
  /** Forwarded when the wrapped provider has it. */
  readonly onClose?: () => Promise<void>;
  /** Forwarded when the wrapped provider has it (providers of the web paradigm do). */
  readonly onContextChange?: (oldContext: EvaluationContext, newContext: EvaluationContext) => Promise<void> | void;

  private readonly provider: Provider;
  private readonly sink: TrackingEventSink;
  private readonly filter: TrackingProviderOptions['filter'];

  constructor(provider: Provider, processor: TrackingEventSink, options: TrackingProviderOptions = {}) {
    if (provider === null || typeof provider !== 'object' || RESOLVERS.some((name) => typeof provider[name] !== 'function')) {
      throw new TypeError('TrackingProvider: the provider must be an OpenFeature server provider (with resolve*Evaluation methods)');
    }
    if (processor === null || typeof processor !== 'object' || typeof processor.add !== 'function') {
      throw new TypeError('TrackingProvider: the processor must have an add(event) method');
    }
    if (options === null || typeof options !== 'object') throw new TypeError('TrackingProvider: options must be an object');
    if (options.filter !== undefined && typeof options.filter !== 'function') {
      throw new TypeError('TrackingProvider: options.filter must be a function');
    }
    this.provider = provider;
    this.sink = processor;
    this.filter = options.filter;

    const optional = provider as Provider & OptionalProviderParts;
    if (typeof provider.initialize === 'function') this.initialize = (context, domain) => provider.initialize!(context, domain);
    if (typeof provider.onClose === 'function') this.onClose = () => provider.onClose!();
    if (typeof optional.onContextChange === 'function') {
      this.onContextChange = (oldContext, newContext) => optional.onContextChange!(oldContext, newContext);
    }
  }

  /** The wrapped provider's metadata: hooks and events name it, not the wrapper. */
  get metadata(): ProviderMetadata {
    return this.provider.metadata;
  }

  get runsOn(): Paradigm | undefined {
    return this.provider.runsOn;
  }

  get domainScoped(): boolean | undefined {
    return this.provider.domainScoped;
  }

  /** The wrapped provider's own (deprecated) status, for code that still reads it; the SDK keeps its own. */
  get status(): ProviderStatus | undefined {
    return this.provider.status;
  }

  /** The wrapped provider's hooks, which the SDK runs on every evaluation. */
  get hooks(): Hook[] | undefined {
    return this.provider.hooks;
  }

  /** The wrapped provider's emitter: the SDK subscribes to it, so its events reach clients as before. */
  get events(): Provider['events'] {
    return this.provider.events;
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<boolean>> {
    return this.provider.resolveBooleanEvaluation(flagKey, defaultValue, context, logger);
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<string>> {
    return this.provider.resolveStringEvaluation(flagKey, defaultValue, context, logger);
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<number>> {
    return this.provider.resolveNumberEvaluation(flagKey, defaultValue, context, logger);
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<T>> {
    return this.provider.resolveObjectEvaluation(flagKey, defaultValue, context, logger);
  }

  /**
   * Records the tracking event, then calls the wrapped provider's `track`
   * (when it has one) with the same arguments. Recording never throws; what
   * the wrapped `track` throws reaches the SDK as it would without the wrapper.
   */
  track(trackingEventName: string, context: EvaluationContext, trackingEventDetails: TrackingEventDetails): void {
    this.record(trackingEventName, context, trackingEventDetails);
    this.provider.track?.(trackingEventName, context, trackingEventDetails);
  }

  private record(name: string, context: EvaluationContext | undefined, details: TrackingEventDetails | undefined): void {
    try {
      if (this.filter !== undefined && !this.filter(name, context ?? {}, details ?? {})) return;
      // Shaped as GO Feature Flag's provider builds it; copied, so later
      // changes by the caller do not reach the queued event.
      const event: TrackingEvent = {
        kind: 'tracking',
        contextKind: contextKindOf(context),
        userKey: userKeyOf(context),
        creationDate: unixSeconds(),
        key: name,
        evaluationContext: definedEntries(context),
        trackingEventDetails: definedEntries(details),
      };
      this.sink.add(event);
    } catch (err) {
      // track() returns nothing to report with, and no hook logger exists here.
      diag.warn('TrackingProvider: could not record a tracking event', err);
    }
  }
}
