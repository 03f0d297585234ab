import type { IncomingHttpHeaders } from 'node:http';

/**
 * What `listen` says about one received batch: evaluations counted per flag and
 * variation, and the batch's `meta`, as terminal lines or as one JSON object.
 * Every string here came from the network, so text output is made terminal-safe.
 */

/** flag key → variation → evaluations in the batch. Tracking events count under TRACKING. */
export type FlagCounts = Map<string, Map<string, number>>;

/** The "variation" a tracking event is counted under. */
export const TRACKING = '(tracking)';
/** Flag lines printed per batch; the rest are summed on one line. */
const MAX_FLAG_LINES = 20;
/** Longest meta or id text printed on a terminal line. */
const MAX_TEXT = 300;

/** Headers whose values are shown in `--json` lines: none of them can carry a secret. */
const SHOWN_HEADERS = ['content-type', 'content-encoding', 'content-length', 'user-agent', 'webhook-id', 'webhook-timestamp'];

interface EventFields {
  kind?: unknown;
  key?: unknown;
  variation?: unknown;
}

/** The flag key and variation an event is counted under (the receiver checks only `kind`). */
export function flagAndVariation(event: EventFields): [string, string] {
  const key = typeof event.key === 'string' ? event.key : '(no key)';
  if (event.kind === 'tracking') return [key, TRACKING];
  return [key, typeof event.variation === 'string' ? event.variation : '(no variation)'];
}

export function countByFlag(events: readonly EventFields[]): FlagCounts {
  const counts: FlagCounts = new Map();
  for (const event of events) {
    const [key, variation] = flagAndVariation(event);
    let variations = counts.get(key);
    if (variations === undefined) counts.set(key, (variations = new Map()));
    variations.set(variation, (variations.get(variation) ?? 0) + 1);
  }
  return counts;
}

/** Counts as a plain JSON object, flags sorted by key, variations by count (most first). */
export function countsToJson(counts: FlagCounts): Record<string, Record<string, number>> {
  return Object.fromEntries(
    [...counts.keys()].sort().map((key) => [key, Object.fromEntries(sortedVariations(counts.get(key) ?? new Map()))]),
  );
}

function sortedVariations(variations: Map<string, number>): [string, number][] {
  return [...variations].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Control characters, C1 codes (a terminal may act on them) and bidi overrides,
 * escaped as \uXXXX so network text can neither move the cursor nor reorder a line.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string, max = MAX_TEXT): string {
  const safe = text.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return safe.length > max ? `${safe.slice(0, max)}…` : safe;
}

/** A flag key or variation as printed: bare when it is a plain word, else JSON-quoted. */
function word(text: string): string {
  return /^[\w.:/@-]{1,100}$/.test(text) ? text : terminalSafe(JSON.stringify(text), 100);
}

/** The lines printed under a batch line: its meta, then one line per flag. */
export function batchDetailLines(meta: Record<string, unknown> | undefined, counts: FlagCounts): string[] {
  const lines = [`  meta ${meta === undefined ? '(none)' : terminalSafe(JSON.stringify(meta))}`];
  const keys = [...counts.keys()].sort();
  for (const key of keys.slice(0, MAX_FLAG_LINES)) {
    const variations = sortedVariations(counts.get(key) ?? new Map());
    lines.push(`  ${word(key)} ${variations.map(([variation, n]) => `${word(variation)}=${n}`).join(' ')}`);
  }
  if (keys.length > MAX_FLAG_LINES) {
    const rest = keys.slice(MAX_FLAG_LINES).reduce((sum, key) => sum + [...(counts.get(key)?.values() ?? [])].reduce((a, b) => a + b, 0), 0);
    lines.push(`  … ${keys.length - MAX_FLAG_LINES} more flags, ${rest} events`);
  }
  return lines;
}

/** The headers a `--json` line shows, each sent once (values of any other header are never shown). */
export function shownHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const name of SHOWN_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') shown[name] = value;
  }
  return shown;
}
