import { SDK_DEFAULT_VARIATION, UNDEFINED_TARGETING_KEY, unixSeconds, type FeatureEvent } from '../../src/events.js';
import { checkOptions, checkSink, warnNotRecorded, type AdapterOptions, type FeatureEventSink } from '../shared/adapter-options.js';
import { MetadataCache } from '../shared/metadata-cache.js';

// The SDK's types, as far as the adapter reads them: structural, so this
// module loads without @configcat/sdk and fits its `IConfigCatClient`.

/** ConfigCat's `IUser`. */
export interface ConfigCatUser {
  /** The User object's identifier: the user key of the event. */
  identifier: string;
}

/** ConfigCat's `EvaluationDetails`, as the `flagEvaluated` hook passes it. */
export interface ConfigCatEvaluationDetails {
  /** The setting's key. */
  readonly key: string;
  /** The value the caller got: the setting's value, or the caller's default. */
  readonly value: unknown;
  /** The SDK's variation id; null or absent when the setting has none. */
  readonly variationId?: string | null;
  /** The User object the setting was evaluated for, if any. */
  readonly user?: ConfigCatUser;
  /** True when the caller's default came back (an error, or a missing setting). */
  readonly isDefaultValue: boolean;
  /** An `EvaluationErrorCode`: 0 when there was no error. */
  readonly errorCode?: number;
  /** The targeting rule that matched, if one did. */
  readonly matchedTargetingRule?: unknown;
  /** The percentage option that matched, if one did. */
  readonly matchedPercentageOption?: unknown;
}

/** What the adapter needs of a ConfigCat client: its hooks. */
export interface ConfigCatHookSource {
  /** Subscribes a listener to the client's `flagEvaluated` hook. */
  on(event: 'flagEvaluated', listener: (details: ConfigCatEvaluationDetails) => void): unknown;
  /** Unsubscribes a listener from the client's `flagEvaluated` hook. */
  off(event: 'flagEvaluated', listener: (details: ConfigCatEvaluationDetails) => void): unknown;
}

/** Options of `trackConfigCatEvaluations`: `source` and `metadata`, as every adapter takes them. */
export type ConfigCatEvaluationOptions = AdapterOptions;

const ADAPTER = 'trackConfigCatEvaluations';

/** The names of ConfigCat's `EvaluationErrorCode` values (its enum, without importing the SDK). */
const ERROR_CODES: Readonly<Record<number, string>> = {
  [-1]: 'UnexpectedError',
  1: 'InvalidConfigModel',
  2: 'SettingValueTypeMismatch',
  1000: 'ConfigJsonNotAvailable',
  1001: 'SettingKeyMissing',
};

/**
 * Listens to a ConfigCat client's `flagEvaluated` hook (`@configcat/sdk` 1.x)
 * and adds one `FeatureEvent` per evaluation to the processor (SPEC §12).
 *
 * Mapping: `variation` is the variation id (the value as a string when the
 * setting has none, as with simple flag overrides); `isDefaultValue` gives
 * `default: true` and `variation: 'SdkDefault'`; `userKey` is the User
 * object's `identifier` (no User object: `'anonymousUser'`);
 * `metadata.reason` is OpenFeature's name for what happened (`ERROR`,
 * `TARGETING_MATCH`, `SPLIT`, `DEFAULT`) and `metadata.errorCode` the name of
 * ConfigCat's `EvaluationErrorCode`.
 *
 * @returns a function that unsubscribes
 */
export function trackConfigCatEvaluations(client: ConfigCatHookSource, processor: FeatureEventSink, options?: ConfigCatEvaluationOptions): () => void {
  if (client === null || typeof client !== 'object' || typeof client.on !== 'function' || typeof client.off !== 'function') {
    throw new TypeError(`${ADAPTER}: client must be a ConfigCat client (with on and off)`);
  }
  checkSink(ADAPTER, processor);
  const { source, metadataEntries } = checkOptions(ADAPTER, options);
  const metadata = new MetadataCache(metadataEntries, 'configcat', 'reason', 'errorCode');

  const listener = (details: ConfigCatEvaluationDetails): void => {
    try {
      processor.add(toEvent(details, source, metadata));
    } catch (err) {
      warnNotRecorded(ADAPTER, err);
    }
  };
  client.on('flagEvaluated', listener);
  return () => {
    client.off('flagEvaluated', listener);
  };
}

function toEvent(details: ConfigCatEvaluationDetails, source: string, metadata: MetadataCache): FeatureEvent {
  const identifier = details.user?.identifier;
  const hasKey = typeof identifier === 'string' && identifier !== '';
  const failed = details.isDefaultValue === true;
  const errorCode = details.errorCode;
  const error = errorCode !== undefined && errorCode !== 0;
  const variationId = details.variationId;
  // JSON cannot carry undefined (a caller's undefined default): null stands for it.
  const value = details.value === undefined ? null : details.value;
  return {
    kind: 'feature',
    contextKind: hasKey ? 'user' : 'anonymousUser',
    userKey: hasKey ? identifier : UNDEFINED_TARGETING_KEY,
    creationDate: unixSeconds(),
    key: details.key,
    variation: failed ? SDK_DEFAULT_VARIATION : typeof variationId === 'string' ? variationId : String(value),
    value,
    default: failed,
    // No version from the SDK: '' as Go writes it, set so the event is in Go's field order (the encoder's fast path).
    version: '',
    source,
    metadata: metadata.get(
      error ? 'ERROR' : details.matchedTargetingRule ? 'TARGETING_MATCH' : details.matchedPercentageOption ? 'SPLIT' : 'DEFAULT',
      error ? (ERROR_CODES[errorCode] ?? String(errorCode)) : undefined,
    ),
  };
}
