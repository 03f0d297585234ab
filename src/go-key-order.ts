/** Map keys in the order Go's encoding/json writes them (SPEC §2). */

/**
 * Go sorts map keys by their UTF-8 bytes, which is code point order. JavaScript's
 * `<` compares UTF-16 units, which differs only when a surrogate (an astral
 * character) meets a unit in U+E000-U+FFFF; those rare keys take the slow path.
 * Negative when `a` comes first.
 */
export function goKeyOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && x <= 0xdfff) x += 0x10000;
    if (y >= 0xd800 && y <= 0xdfff) y += 0x10000;
    return x - y;
  }
  return a.length - b.length;
}

function hasHighUnits(keys: readonly string[]): boolean {
  for (const key of keys) {
    for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) >= 0xd800) return true;
  }
  return false;
}

/** Sorts map keys in place as Go does; maps here are small, where insertion sort beats Array#sort. */
export function sortKeys(keys: string[]): void {
  if (keys.length < 2) return;
  if (hasHighUnits(keys)) {
    keys.sort(goKeyOrder);
    return;
  }
  if (keys.length > 32) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
}
