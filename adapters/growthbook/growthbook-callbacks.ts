import { SDK_DEFAULT_VARIATION, UNDEFINED_TARGETING_KEY, unixSeconds, type FeatureEvent, type TrackingEvent } from '../../src/events.js';
import { checkName, checkOptions, checkSink, warnNotRecorded, type AdapterOptions, type EventSink } from '../shared/adapter-options.js';
import { MetadataCache } from '../shared/metadata-cache.js';

// The SDK's types, as far as the callbacks read them: structural, so this
// module loads without @growthbook/growthbook and its callbacks fit both
// `GrowthBook` and `GrowthBookClient` options of any 1.x.

/** GrowthBook's `FeatureResult`. */
export interface GrowthBookFeatureResult {
  /** The feature's value; null when the caller's default comes back. */
  value: unknown;
  /** 'unknownFeature', 'defaultValue', 'force', 'override', 'experiment', 'prerequisite', 'cyclicPrerequisite'. */
  source: string;
  /** The id of the rule that served the value; empty or absent for none. */
  ruleId?: string;
  /** The experiment's result, when an experiment rule served the value. */
  experimentResult?: {
    /** The variation's key (its `meta` key, or its index as a string). */
    key: string;
  };
}

/** GrowthBook's `Experiment`, as far as an exposure needs it. */
export interface GrowthBookExperiment {
  /** The experiment's key. */
  key: string;
}

/** GrowthBook's experiment `Result`. */
export interface GrowthBookExperimentResult {
  /** The variation's key (its `meta` key, or its index as a string). */
  key: string;
  /** The value the variation assigns. */
  value: unknown;
}

/** The user GrowthBook passes to callbacks (`TrackingUserContext`). */
export interface GrowthBookUser {
  /** The user's attributes, as GrowthBook targets on them. */
  attributes?: Record<string, unknown>;
}

/** Options of `growthBookCallbacks`: `source` and `metadata`, and where the user key is. */
export interface GrowthBookCallbackOptions extends AdapterOptions {
  /** The attribute that holds the user key; 'id' unless set. */
  userKeyAttribute?: string;
  /** The attribute that holds an anonymous visitor's key when there is no user key; 'deviceId' unless set. */
  anonymousKeyAttribute?: string;
  /**
   * The user's attributes, for a single-user `GrowthBook` instance: it calls
   * `onFeatureUsage` without them (`GrowthBookClient` passes them).
   */
  attributes?: Record<string, unknown>;
}

/** The two callbacks, to spread into the `GrowthBook` or `GrowthBookClient` options. */
export interface GrowthBookCallbacks {
  /** Called by GrowthBook for each feature evaluation; adds a `FeatureEvent`. */
  onFeatureUsage(key: string, result: GrowthBookFeatureResult, user?: GrowthBookUser): void;
  /** Called by GrowthBook for each experiment exposure; adds a `TrackingEvent`. */
  trackingCallback(experiment: GrowthBookExperiment, result: GrowthBookExperimentResult, user?: GrowthBookUser): void;
}

const ADAPTER = 'growthBookCallbacks';
const NO_ATTRIBUTES: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Callbacks for the GrowthBook JavaScript SDK (1.x) that add one
 * `FeatureEvent` per feature evaluation (`onFeatureUsage`) and one
 * `TrackingEvent` per experiment exposure (`trackingCallback`) to the
 * processor (SPEC §12):
 * `new GrowthBookClient({ ...growthBookCallbacks(processor) })`.
 *
 * Feature mapping: `variation` is the experiment's variation key, else the
 * rule id that served the value, else the result's `source`; a `null` value
 * (unknown feature, failed prerequisite, cyclic prerequisite: the caller's
 * default comes back) gives `default: true`, `variation: 'SdkDefault'` and
 * `value: null`; `metadata.reason` is the result's `source`. An exposure
 * becomes a tracking event whose `key` is the experiment key,
 * `evaluationContext` the user's attributes and `trackingEventDetails`
 * `{ variationId, value }`. Neither callback throws into the SDK.
 */
export function growthBookCallbacks(processor: EventSink, options?: GrowthBookCallbackOptions): GrowthBookCallbacks {
  checkSink(ADAPTER, processor);
  const { source, metadataEntries } = checkOptions(ADAPTER, options);
  checkName(ADAPTER, 'userKeyAttribute', options?.userKeyAttribute);
  checkName(ADAPTER, 'anonymousKeyAttribute', options?.anonymousKeyAttribute);
  const fixed = options?.attributes;
  if (fixed !== undefined && (fixed === null || typeof fixed !== 'object')) {
    throw new TypeError(`${ADAPTER}: options.attributes must be an object`);
  }
  const userKeyAttribute = options?.userKeyAttribute ?? 'id';
  const anonymousKeyAttribute = options?.anonymousKeyAttribute ?? 'deviceId';
  const metadata = new MetadataCache(metadataEntries, 'growthbook', 'reason', 'errorCode');

  /** `userKey` and `contextKind` from the attributes, written into `event`. */
  const identify = (attributes: Readonly<Record<string, unknown>>, event: { userKey: string; contextKind?: string }): void => {
    const userKey = attributes[userKeyAttribute];
    if ((typeof userKey === 'string' && userKey !== '') || typeof userKey === 'number') {
      event.userKey = String(userKey);
      event.contextKind = 'user';
      return;
    }
    const anonymousKey = attributes[anonymousKeyAttribute];
    event.userKey = (typeof anonymousKey === 'string' && anonymousKey !== '') || typeof anonymousKey === 'number' ? String(anonymousKey) : UNDEFINED_TARGETING_KEY;
    event.contextKind = 'anonymousUser';
  };
  const attributesOf = (user: GrowthBookUser | undefined): Readonly<Record<string, unknown>> => {
    const attributes = user?.attributes ?? fixed;
    return attributes !== null && typeof attributes === 'object' ? attributes : NO_ATTRIBUTES;
  };

  return {
    onFeatureUsage(key, result, user) {
      try {
        const value = result.value;
        const failed = value === null || value === undefined;
        const event: FeatureEvent = {
          kind: 'feature',
          contextKind: 'user',
          userKey: UNDEFINED_TARGETING_KEY,
          creationDate: unixSeconds(),
          key,
          variation: failed ? SDK_DEFAULT_VARIATION : (result.experimentResult?.key ?? (result.ruleId || result.source)),
          value: failed ? null : value,
          default: failed,
          // No version from the SDK: '' as Go writes it, set so the event is in Go's field order (the encoder's fast path).
          version: '',
          source,
          metadata: metadata.get(result.source, undefined),
        };
        identify(attributesOf(user), event);
        processor.add(event);
      } catch (err) {
        warnNotRecorded(ADAPTER, err);
      }
    },
    trackingCallback(experiment, result, user) {
      try {
        const attributes = attributesOf(user);
        const event: TrackingEvent = {
          kind: 'tracking',
          contextKind: 'user',
          userKey: UNDEFINED_TARGETING_KEY,
          creationDate: unixSeconds(),
          key: experiment.key,
          // A copy: the event waits in a batch while the application may change its attributes.
          evaluationContext: { ...attributes },
          trackingEventDetails: { variationId: result.key, value: result.value },
        };
        identify(attributes, event);
        processor.add(event);
      } catch (err) {
        warnNotRecorded(ADAPTER, err);
      }
    },
  };
}
