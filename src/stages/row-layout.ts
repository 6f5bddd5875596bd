import { allocate, arrayConstructor } from "../batch/core.js";
import type { ElementType, NumericArray } from "../batch/core.js";
import type { GlobalGroup, PaddedGroup } from "./pad.js";

/** One field's place in a fixed-width row record. */
export interface RowField {
  group: string;
  /** Field name; a padded group's validity is the field `valid` of type bool. */
  field: string;
  type: ElementType;
  /** Values per row: 1 for global fields, maxObjects for padded ones. */
  width: number;
  byteOffset: number;
  byteLength: number;
}

/** The byte layout of one event across all groups, for the on-disk shuffle. */
export interface RowLayout {
  rowBytes: number;
  fields: RowField[];
  /** group -> maxObjects, absent for global groups. */
  maxObjects: Record<string, number>;
}

/** Rows unpacked back into groups: the same shapes `padGroup` and `padGlobal` produce. */
export interface UnpackedRows {
  length: number;
  groups: Record<string, { fields: Record<string, NumericArray>; types: Record<string, ElementType>; valid?: Uint8Array }>;
}

function isPadded(group: GlobalGroup | PaddedGroup): group is PaddedGroup {
  return "maxObjects" in group;
}

/** Lays out every field of `groups` (in order, validity after each padded group's fields) in one record. */
export function rowLayout(groups: readonly (GlobalGroup | PaddedGroup)[]): RowLayout {
  const fields: RowField[] = [];
  const maxObjects: Record<string, number> = {};
  let offset = 0;
  const add = (group: string, field: string, type: ElementType, width: number) => {
    const byteLength = arrayConstructor(type).BYTES_PER_ELEMENT * width;
    fields.push({ group, field, type, width, byteOffset: offset, byteLength });
    offset += byteLength;
  };
  for (const g of groups) {
    const width = isPadded(g) ? g.maxObjects : 1;
    if (isPadded(g)) maxObjects[g.name] = g.maxObjects;
    for (const [field, type] of Object.entries(g.types)) add(g.name, field, type, width);
    if (isPadded(g)) add(g.name, "valid", "bool", width);
  }
  return { rowBytes: offset, fields, maxObjects };
}

function bytesOf(values: NumericArray): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Serialises the events of `groups` (all of the same length) into `length * rowBytes` bytes. */
export function packRows(groups: readonly (GlobalGroup | PaddedGroup)[], layout: RowLayout): Uint8Array {
  const byName = new Map(groups.map((g) => [g.name, g]));
  const length = groups[0]?.length ?? 0;
  const out = new Uint8Array(length * layout.rowBytes);
  const rb = layout.rowBytes;
  for (const f of layout.fields) {
    const group = byName.get(f.group);
    if (!group) throw new Error(`packRows: no group "${f.group}"`);
    if (group.length !== length) throw new Error(`packRows: group "${f.group}" holds ${group.length} events, expected ${length}`);
    const values = f.field === "valid" && isPadded(group) ? group.valid : group.fields[f.field];
    if (!values) throw new Error(`packRows: group "${f.group}" has no field "${f.field}"`);
    if (values.byteLength !== length * f.byteLength) {
      throw new Error(`packRows: ${f.group}.${f.field} holds ${values.byteLength} bytes, the layout expects ${length * f.byteLength}`);
    }
    const src = bytesOf(values);
    const w = f.byteLength;
    for (let i = 0; i < length; i++) {
      const s = i * w;
      const d = i * rb + f.byteOffset;
      for (let b = 0; b < w; b++) out[d + b] = src[s + b]!;
    }
  }
  return out;
}

/** Inverse of `packRows`. */
export function unpackRows(bytes: Uint8Array, layout: RowLayout): UnpackedRows {
  const rb = layout.rowBytes;
  if (bytes.length % rb !== 0) throw new RangeError(`unpackRows: ${bytes.length} bytes is not a whole number of ${rb}-byte rows`);
  const length = bytes.length / rb;
  const groups: UnpackedRows["groups"] = {};
  for (const f of layout.fields) {
    const g = (groups[f.group] ??= { fields: {}, types: {} });
    const values = allocate(f.type, length * f.width);
    const dst = bytesOf(values);
    const w = f.byteLength;
    for (let i = 0; i < length; i++) {
      const s = i * rb + f.byteOffset;
      const d = i * w;
      for (let b = 0; b < w; b++) dst[d + b] = bytes[s + b]!;
    }
    if (f.field === "valid" && layout.maxObjects[f.group] !== undefined) g.valid = values as Uint8Array;
    else {
      g.fields[f.field] = values;
      g.types[f.field] = f.type;
    }
  }
  return { length, groups };
}
