import type { EvaluationContext } from '@openfeature/server-sdk';
import { UNDEFINED_TARGETING_KEY } from '../../src/events.js';

/** The context's targeting key when it has a usable one. */
function targetingKeyOf(context: Readonly<EvaluationContext> | undefined): string | undefined {
  const key = context?.targetingKey;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

/** `userKey` of an event (SPEC §7): the targeting key, or `'undefined-targetingKey'`. */
export function userKeyOf(context: Readonly<EvaluationContext> | undefined): string {
  return targetingKeyOf(context) ?? UNDEFINED_TARGETING_KEY;
}

/** `contextKind` of an event (SPEC §7): `anonymousUser` for `anonymous: true` or no targeting key. */
export function contextKindOf(context: Readonly<EvaluationContext> | undefined): 'user' | 'anonymousUser' {
  return context?.anonymous === true || targetingKeyOf(context) === undefined ? 'anonymousUser' : 'user';
}

/**
 * A shallow copy without `undefined` entries: JSON drops them, but SPEC §2
 * counts an event holding one as invalid, and `{ email: user.email }` with no
 * email is common.
 */
export function definedEntries(record: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  if (record === null || typeof record !== 'object') return copy;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value !== undefined) copy[key] = value;
  }
  return copy;
}
