import type { ExportableEvent, FeatureEvent } from '../../../src/events.js';

/** A valid feature event whose `userKey` names it, so a test can follow it through the pipeline. */
export function featureEvent(userKey: string, overrides: Partial<FeatureEvent> = {}): FeatureEvent {
  return {
    kind: 'feature',
    contextKind: 'user',
    userKey,
    creationDate: 1_700_000_000,
    key: 'checkout-redesign',
    variation: 'on',
    value: true,
    default: false,
    version: '3',
    ...overrides,
  };
}

/** The `userKey`s of a webhook body's events, in order (undefined when the body is not a payload). */
export function userKeysOf(body: Buffer): string[] | undefined {
  try {
    const payload: unknown = JSON.parse(body.toString('utf8'));
    if (typeof payload !== 'object' || payload === null) return undefined;
    const events: unknown = (payload as { events?: unknown }).events;
    if (!Array.isArray(events)) return undefined;
    return events.map((event: unknown) => String((event as { userKey?: unknown }).userKey));
  } catch {
    return undefined;
  }
}

export function userKeys(batch: readonly ExportableEvent[]): string[] {
  return batch.map((event) => event.userKey);
}
