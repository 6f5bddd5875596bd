import { isUtf8 } from "node:buffer";
import { RootError } from "./errors.js";
import type { BasketPlace } from "./basket.js";
import type { StringPiece } from "./strings.js";

/**
 * String columns follow Arrow's Utf8 layout, whose contract is valid UTF-8: Arrow, pyarrow and
 * Parquet readers refuse or mangle other bytes, and a replacement policy would silently change
 * values a cut compares with. So invalid bytes in a ROOT string are an error naming the entry.
 *
 * One pass over the whole basket (simdutf through node:buffer's isUtf8) plus a look at the
 * first byte of every string suffices: in valid UTF-8 a string boundary that is not a
 * continuation byte (10xxxxxx) falls between characters, so every string is valid on its own.
 */
export function checkUtf8(piece: StringPiece, where: BasketPlace, entryStart: number): void {
  const { values, levels } = piece;
  const strings = levels[levels.length - 1]!;
  if (isUtf8(values) && startsClean(values, strings)) return;
  for (let s = 0; s + 1 < strings.length; s++) {
    if (isUtf8(values.subarray(strings[s]!, strings[s + 1]!))) continue;
    let index = s;
    for (let k = levels.length - 2; k >= 0; k--) index = containing(levels[k]!, index);
    throw new RootError(
      `${where.toString()}: entry ${entryStart + index} holds a string that is not valid UTF-8 (string columns are Arrow Utf8); re-encode the branch as UTF-8`,
    );
  }
}

function startsClean(values: Uint8Array, strings: Int32Array): boolean {
  const n = values.length;
  for (let s = 0; s < strings.length; s++) {
    const o = strings[s]!;
    if (o < n && (values[o]! & 0xc0) === 0x80) return false;
  }
  return true;
}

/** The index i with offsets[i] <= item < offsets[i + 1] (offsets ascending, from 0). */
function containing(offsets: Int32Array, item: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= item) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
