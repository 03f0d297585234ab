import { UNDEFINED_TARGETING_KEY, unixSeconds, type FeatureEvent } from '../../src/events.js';
import { checkOptions, checkSink, warnNotRecorded, type AdapterOptions, type FeatureEventSink } from '../shared/adapter-options.js';
import { MetadataCache } from '../shared/metadata-cache.js';

// The SDK's types, as far as the adapter reads them: structural, so this
// module loads without unleash-client and fits any 6.x `Unleash`.

/** The Unleash context of an evaluation, as the impression event carries it. */
export interface UnleashContext {
  /** The context's user id: the user key of the event. */
  userId?: string;
  /** The context's session id: the anonymous key when there is no user id. */
  sessionId?: string;
}

/** The payload of an `impression` event (unleash-client's `ImpressionEvent`). */
export interface UnleashImpressionEvent {
  /** What was called: `'isEnabled'` or `'getVariant'`. */
  eventType: string;
  /** The Unleash context of the evaluation. */
  context: UnleashContext;
  /** Whether the toggle was enabled for that context. */
  enabled: boolean;
  /** The toggle's name. */
  featureName: string;
  /** The variant's name; present for `getVariant` only. */
  variant?: string;
}

/** What the adapter needs of an `Unleash` instance: its event emitter. */
export interface UnleashEventSource {
  /** Subscribes a listener to the client's `impression` events. */
  on(event: 'impression', listener: (event: UnleashImpressionEvent) => void): unknown;
  /** Unsubscribes a listener from the client's `impression` events. */
  off(event: 'impression', listener: (event: UnleashImpressionEvent) => void): unknown;
}

/** Options of `trackUnleashImpressions`: `source` and `metadata`, as every adapter takes them. */
export type UnleashImpressionOptions = AdapterOptions;

const ADAPTER = 'trackUnleashImpressions';

/**
 * Subscribes to an Unleash client's `impression` events (unleash-client 6.x)
 * and adds one `FeatureEvent` per impression to the processor (SPEC §12).
 * Unleash emits impressions only for toggles that have impression data
 * enabled, and none for a toggle it does not know.
 *
 * Mapping: `variation` is the variant name (`getVariant`), or
 * `'enabled'`/`'disabled'` (`isEnabled`); `value` is the impression's
 * `enabled`; `userKey` is the context's `userId` (`contextKind: 'user'`),
 * else its `sessionId` (`'anonymousUser'`); `metadata.eventType` is the
 * impression's `eventType`. Unleash reports no error and no fallback in an
 * impression, so `default` is always false.
 *
 * @returns a function that unsubscribes
 */
export function trackUnleashImpressions(unleash: UnleashEventSource, processor: FeatureEventSink, options?: UnleashImpressionOptions): () => void {
  if (unleash === null || typeof unleash !== 'object' || typeof unleash.on !== 'function' || typeof unleash.off !== 'function') {
    throw new TypeError(`${ADAPTER}: unleash must be an Unleash client (with on and off)`);
  }
  checkSink(ADAPTER, processor);
  const { source, metadataEntries } = checkOptions(ADAPTER, options);
  const metadata = new MetadataCache(metadataEntries, 'unleash', 'eventType', 'reason');

  const listener = (impression: UnleashImpressionEvent): void => {
    try {
      processor.add(toEvent(impression, source, metadata));
    } catch (err) {
      warnNotRecorded(ADAPTER, err);
    }
  };
  unleash.on('impression', listener);
  return () => {
    unleash.off('impression', listener);
  };
}

function toEvent(impression: UnleashImpressionEvent, source: string, metadata: MetadataCache): FeatureEvent {
  const context = impression.context;
  const userId = context?.userId;
  const sessionId = context?.sessionId;
  const isUser = typeof userId === 'string' && userId !== '';
  const variant = impression.variant;
  return {
    kind: 'feature',
    contextKind: isUser ? 'user' : 'anonymousUser',
    userKey: isUser ? userId : typeof sessionId === 'string' && sessionId !== '' ? sessionId : UNDEFINED_TARGETING_KEY,
    creationDate: unixSeconds(),
    key: impression.featureName,
    variation: typeof variant === 'string' ? variant : impression.enabled ? 'enabled' : 'disabled',
    value: impression.enabled,
    default: false,
    // No version from the SDK: '' as Go writes it, set so the event is in Go's field order (the encoder's fast path).
    version: '',
    source,
    metadata: metadata.get(impression.eventType, undefined),
  };
}
