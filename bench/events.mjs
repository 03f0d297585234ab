// The synthetic feature events every scenario sends: ~200 bytes of JSON each,
// with per-event strings (userKey) like a real application produces them.

/** Flag keys cycled through; a real service evaluates a few dozen flags. */
export const FLAG_KEYS = Array.from({ length: 20 }, (_, i) => `flag-${String(i).padStart(2, '0')}`);

/** One fixed second so every run serializes the same bytes. */
const CREATION_DATE = 1_767_225_600;

/** A user key unique per index, built at run time like a real targeting key. */
export function userKey(i) {
  return `user-${i.toString(16).padStart(8, '0')}`;
}

/** The i-th event, shaped as FeatureEventHook would build it from OpenFeature. */
export function makeEvent(i) {
  return {
    kind: 'feature',
    contextKind: 'user',
    userKey: userKey(i),
    creationDate: CREATION_DATE,
    key: FLAG_KEYS[i % FLAG_KEYS.length],
    variation: i % 3 === 0 ? 'disabled' : 'enabled',
    value: i % 3 !== 0,
    default: false,
    version: '',
    source: 'SERVER',
    // Keys already in Go's sorted order, so JSON.stringify gives the wire bytes.
    metadata: { provider: 'in-memory', reason: 'STATIC' },
  };
}

/** `count` fresh events starting at index `from`. */
export function makeEvents(count, from = 0) {
  const events = new Array(count);
  for (let i = 0; i < count; i++) events[i] = makeEvent(from + i);
  return events;
}

/** Mean JSON size in bytes of the first `sample` events. */
export function meanJsonBytes(sample = 1000) {
  let total = 0;
  for (let i = 0; i < sample; i++) total += Buffer.byteLength(JSON.stringify(makeEvent(i)));
  return total / sample;
}

/** The in-memory flag set OpenFeature evaluates in the OpenFeature scenarios. */
export function inMemoryFlags() {
  const flags = {};
  for (const key of FLAG_KEYS) {
    flags[key] = { variants: { enabled: true, disabled: false }, defaultVariant: 'enabled', disabled: false };
  }
  return flags;
}

/** The OTel log-record attributes for one event (feature_flag.* semantic conventions). */
export function otelAttributes(event) {
  return {
    'feature_flag.key': event.key,
    'feature_flag.result.variant': event.variation,
    'feature_flag.result.value': event.value,
    'feature_flag.context.id': event.userKey,
    'feature_flag.provider.name': event.metadata.provider,
    'feature_flag.result.reason': 'static',
  };
}
