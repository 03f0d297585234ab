import type { FeatureEvent } from './events.js';

/** Flag keys up to this length have their feature tails remembered. */
const MAX_KEY_LENGTH = 256;
/** Larger metadata maps are written each time: comparing them would cost as much. */
const MAX_METADATA = 8;
const TAILS_PER_FLAG = 16;
/** After this many look-ups, remembering stops if fewer than a quarter of them hit (tens of thousands of flags). */
const PROBE = 8192;

/**
 * The JSON of everything after `creationDate` in a feature event, kept per
 * flag with what it was written from and reused only when every field is
 * equal, so the bytes are the same as writing them again.
 */
interface FeatureTail {
  variation: string;
  value: unknown;
  isDefault: boolean;
  version: string;
  source: string;
  metadata: Record<string, unknown> | undefined;
  metadataSize: number;
  json: string;
}

/**
 * The feature tails one encoder has written, per flag key. It lives as long as
 * its encoder (one batch), so it never holds memory past the traffic it served.
 */
export class FeatureTails {
  private readonly byFlag = new Map<string, FeatureTail[]>();
  private misses = 0;
  private hits = 0;
  private probed = false;
  private active = true;

  /** The tail written before for exactly these fields, if remembered. */
  find(event: FeatureEvent, version: string, source: string, metadata: Record<string, unknown> | undefined): string | undefined {
    if (!this.active) return undefined;
    const tails = this.byFlag.get(event.key);
    if (tails === undefined) return undefined;
    for (let i = 0; i < tails.length; i++) {
      const tail = tails[i]!;
      if (
        tail.variation === event.variation &&
        tail.value === event.value &&
        tail.isDefault === event.default &&
        tail.version === version &&
        tail.source === source &&
        sameMetadata(tail, metadata)
      ) {
        this.hits++;
        return tail.json;
      }
    }
    return undefined;
  }

  /** Remembers a tail just written, when its fields can be compared cheaply. */
  remember(event: FeatureEvent, version: string, source: string, metadata: Record<string, unknown> | undefined, json: string): void {
    const value = event.value;
    const metadataSize = metadata === undefined ? 0 : flatSize(metadata, MAX_METADATA);
    if (!this.active || (typeof value === 'object' && value !== null) || metadataSize < 0 || event.key.length > MAX_KEY_LENGTH) return;
    const looked = ++this.misses + this.hits;
    if (!this.probed && looked >= PROBE) {
      this.probed = true;
      if (this.hits * 4 < looked) {
        // Mostly distinct flags: remembering them costs more than it saves.
        this.active = false;
        this.byFlag.clear();
        return;
      }
    }
    let tails = this.byFlag.get(event.key);
    if (tails === undefined) {
      tails = [];
      this.byFlag.set(event.key, tails);
    }
    if (tails.length >= TAILS_PER_FLAG) tails.length = 0;
    // A copy of the metadata: the caller may change its map later; the cached bytes must not follow.
    tails.push({ variation: event.variation, value, isDefault: event.default, version, source, metadata: metadata && { ...metadata }, metadataSize, json });
  }
}

/** Entries of a map whose values are all primitives, or -1 (more than `max`, or a nested value). */
export function flatSize(map: Record<string, unknown>, max: number): number {
  let size = 0;
  for (const key in map) {
    const item = map[key];
    if (typeof item === 'object' && item !== null) return -1;
    if (++size > max) return -1;
  }
  return size;
}

function sameMetadata(tail: FeatureTail, metadata: Record<string, unknown> | undefined): boolean {
  const cached = tail.metadata;
  if (cached === undefined || metadata === undefined) return cached === metadata;
  let size = 0;
  for (const key in metadata) {
    if (cached[key] !== metadata[key] || !(key in cached)) return false;
    size++;
  }
  return size === tail.metadataSize;
}
