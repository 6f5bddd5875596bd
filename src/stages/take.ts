import { allocate } from "../batch/core.js";
import type { NumericArray } from "../batch/core.js";
import type { GlobalGroup, PaddedGroup } from "./pad.js";

function isPadded(group: GlobalGroup | PaddedGroup): group is PaddedGroup {
  return "maxObjects" in group;
}

function takeRows(values: NumericArray, width: number, which: Uint8Array, value: number, kept: number, type: Parameters<typeof allocate>[0]): NumericArray {
  const out = allocate(type, kept * width);
  const src = values as Float64Array;
  const dst = out as Float64Array;
  let at = 0;
  for (let i = 0; i < which.length; i++) {
    if (which[i] !== value) continue;
    const s = i * width;
    for (let j = 0; j < width; j++) dst[at++] = src[s + j]!;
  }
  return out;
}

/**
 * The events of a padded or global group whose entry in `which` equals `value`: with a split
 * index array from `hashSplit`/`ruleSplit`, `takeEvents(group, splits, 0)` is the train part.
 * The truncation count stays with the group the events were padded in, so the result carries 0.
 */
export function takeEvents<G extends GlobalGroup | PaddedGroup>(group: G, which: Uint8Array, value = 1): G {
  if (which.length !== group.length) {
    throw new RangeError(`takeEvents: ${which.length} entries for group "${group.name}" of ${group.length} events`);
  }
  let kept = 0;
  for (let i = 0; i < which.length; i++) if (which[i] === value) kept++;
  const width = isPadded(group) ? group.maxObjects : 1;
  const fields: Record<string, NumericArray> = {};
  for (const [name, values] of Object.entries(group.fields)) {
    fields[name] = takeRows(values, width, which, value, kept, group.types[name]!);
  }
  if (isPadded(group)) {
    const valid = takeRows(group.valid, width, which, value, kept, "uint8") as Uint8Array;
    return { ...group, length: kept, fields, valid, truncated: 0 };
  }
  return { ...group, length: kept, fields };
}
