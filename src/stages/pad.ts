import { allocate, columnLength, flatWidth, holdsStrings, isBigIntArray, leafType } from "../batch/core.js";
import type { Column, ElementType, JaggedColumn, NumericArray } from "../batch/core.js";

/**
 * How empty slots are filled. `zero`: every type 0 (false). `nan`: the ftag convention, floats NaN,
 * signed integers -1, unsigned integers and bools 0 (false).
 */
export type Padding = "zero" | "nan";

/** One object group (jets, electrons, ...) to pad from jagged columns to `maxObjects` slots per event. */
export interface PadGroupSpec {
  /** Group name, used in error messages and carried to the output. */
  name: string;
  maxObjects: number;
  /** Output field name -> jagged column; all must have the same multiplicity per event. */
  fields: Record<string, JaggedColumn>;
  /** Output field name -> what it was read from (branch or expression), for error messages. */
  sources?: Record<string, string>;
  /**
   * Per-object selection, 0 drops the object: a jagged boolean column with the group's
   * multiplicities (as the expression engine returns it), or one byte per object of the group in
   * object order, indexed from the group's first offset.
   */
  select?: Uint8Array | JaggedColumn;
  /** Objects are ordered by this key, descending and stable, before truncation; NaN keys rank as -Infinity. */
  sortBy?: JaggedColumn;
  padding?: Padding;
  /** Output field name -> element type to cast to; otherwise the input's type is kept. */
  casts?: Record<string, ElementType>;
}

/** Fixed-size, left-packed object slots: every field array and `valid` hold `length * maxObjects` entries. */
export interface PaddedGroup {
  name: string;
  length: number;
  maxObjects: number;
  fields: Record<string, NumericArray>;
  types: Record<string, ElementType>;
  valid: Uint8Array;
  /** Selected objects dropped because an event had more than `maxObjects`. */
  truncated: number;
}

/** Per-event fields (the global object): every field array holds `length` entries. */
export interface GlobalGroup {
  name: string;
  length: number;
  fields: Record<string, NumericArray>;
  types: Record<string, ElementType>;
}

export interface GlobalGroupSpec {
  name: string;
  fields: Record<string, Column>;
  sources?: Record<string, string>;
  casts?: Record<string, ElementType>;
}

const SIGNED_INTS: ReadonlySet<ElementType> = new Set(["int8", "int16", "int32", "int64"]);

/** The value empty slots of a field of `type` get under `padding`. */
export function padValueFor(type: ElementType, padding: Padding): number {
  if (padding === "zero") return 0;
  if (type === "float32" || type === "float64") return Number.NaN;
  return SIGNED_INTS.has(type) ? -1 : 0;
}

/**
 * A column of an object group as one list per event: jagged as it is, or a fixed-size array
 * (`x[N]`) seen as N objects per event; an error for one value per event.
 */
export function objectColumn(group: string, what: string, column: Column, n: number): JaggedColumn {
  if (column.kind === "jagged") return column;
  if (column.kind === "string") throw stringField(group, what);
  const width = column.shape?.reduce((a, b) => a * b, 1);
  if (width === undefined) throw new Error(`group "${group}": ${what} is not a list per event`);
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) offsets[i] = i * width;
  return { kind: "jagged", offsets, values: column.values, elementType: column.elementType };
}

/** Objects a padded group holds plus those it lost to truncation: the objects `select` kept. */
export function selectedObjects(group: PaddedGroup): number {
  let n = group.truncated;
  const valid = group.valid;
  for (let i = 0; i < valid.length; i++) n += valid[i]!;
  return n;
}

function label(spec: { name: string; sources?: Record<string, string> }, field: string): string {
  const source = spec.sources?.[field];
  return source && source !== field ? `"${field}" (${source})` : `"${field}"`;
}

function numericValues(group: string, what: string, column: JaggedColumn): NumericArray {
  if (!ArrayBuffer.isView(column.values)) {
    throw new Error(`group "${group}": ${what} is a nested (vector<vector<T>>) column and cannot be padded`);
  }
  return column.values;
}

function checkSameCounts(group: string, refName: string, ref: Int32Array, name: string, other: Int32Array): void {
  if (other === ref) return;
  if (other.length !== ref.length) {
    throw new Error(
      `group "${group}": ${name} holds ${other.length - 1} events but ${refName} holds ${ref.length - 1}`,
    );
  }
  for (let i = 0; i + 1 < ref.length; i++) {
    const a = ref[i + 1]! - ref[i]!;
    const b = other[i + 1]! - other[i]!;
    if (a !== b) {
      throw new Error(
        `group "${group}": ${refName} and ${name} have different multiplicities at event ${i} (${a} vs ${b}); ` +
          "all fields of a group must come from the same collection",
      );
    }
  }
}

/**
 * Converts between bigint and number arrays so the copy loops can assign directly, and maps any
 * non-zero value to 1 for bools (a plain typed-array store would keep 2 or truncate 0.5 to 0).
 */
function toOutputKind(values: NumericArray, from: ElementType, type: ElementType, what: string): NumericArray {
  if (type === "bool" && from !== "bool") return truthBytes(values);
  const outBig = type === "int64" || type === "uint64";
  if (isBigIntArray(values) === outBig) return values;
  const out = allocate(type, values.length);
  if (outBig) {
    const o = out as BigInt64Array;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) throw new RangeError(`${what}: cannot cast the non-finite value ${v} to ${type}`);
      o[i] = BigInt(Math.trunc(v));
    }
  } else {
    const o = out as Float64Array;
    for (let i = 0; i < values.length; i++) o[i] = Number(values[i]);
  }
  return out;
}

/** 1 for every value that is true (non-zero, not NaN), else 0; without a branch per value, which the CPU mispredicts on flags. */
function truthBytes(values: NumericArray): Uint8Array {
  const out = new Uint8Array(values.length);
  if (isBigIntArray(values)) {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  } else {
    const v = values as Float64Array;
    for (let i = 0; i < v.length; i++) out[i] = +(v[i]! !== 0) & +(v[i] === v[i]);
  }
  return out;
}

function fill(out: NumericArray, type: ElementType, value: number): void {
  if (type === "int64" || type === "uint64") (out as BigInt64Array).fill(BigInt(value));
  else (out as Float64Array).fill(value);
}

function sortKeys(values: NumericArray): NumericArray {
  if (!isBigIntArray(values)) return values;
  const keys = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) keys[i] = Number(values[i]);
  return keys;
}

/**
 * Chooses the kept objects of every event: selection, then a stable descending sort by key (top-k
 * insertion, so only `max` candidates are ever ordered), then truncation. Writes relative object
 * indices into `picks` and the number kept into `counts`; returns the number truncated.
 */
function choose(
  offsets: Int32Array,
  max: number,
  select: Uint8Array | undefined,
  keys: NumericArray | undefined,
  keyBase: number,
  picks: Int32Array,
  counts: Int32Array,
): number {
  const n = counts.length;
  const o0 = offsets[0]!;
  const top = new Float64Array(max);
  const k = keys as Float64Array | undefined;
  let truncated = 0;
  for (let i = 0; i < n; i++) {
    const a = offsets[i]! - o0;
    const b = offsets[i + 1]! - o0;
    const base = i * max;
    let kept = 0;
    for (let r = a; r < b; r++) {
      if (select && select[r] === 0) continue;
      if (!k) {
        if (kept < max) picks[base + kept++] = r;
        else truncated++;
        continue;
      }
      let key = k[keyBase + r]!;
      if (key !== key) key = -Infinity;
      let pos: number;
      if (kept < max) {
        pos = kept++;
      } else {
        truncated++;
        // Ties keep the earlier object: a full buffer only admits a strictly larger key.
        if (!(key > top[max - 1]!)) continue;
        pos = max - 1;
      }
      while (pos > 0 && top[pos - 1]! < key) {
        top[pos] = top[pos - 1]!;
        picks[base + pos] = picks[base + pos - 1]!;
        pos--;
      }
      top[pos] = key;
      picks[base + pos] = r;
    }
    counts[i] = kept;
  }
  return truncated;
}

/**
 * True when every event's keys are already in the order the sort would give (descending, NaN as
 * -Infinity): the stable sort is then the identity. Objects usually come ordered by pt.
 */
function descending(offsets: Int32Array, keys: NumericArray, keyBase: number): boolean {
  const k = keys as Float64Array;
  const n = offsets.length - 1;
  const shift = keyBase - offsets[0]!;
  for (let i = 0; i < n; i++) {
    const end = offsets[i + 1]! + shift;
    for (let r = offsets[i]! + shift + 1; r < end; r++) {
      const prev = k[r - 1]!;
      const cur = k[r]!;
      if (cur > prev || (prev !== prev && cur === cur && cur !== -Infinity)) return false;
    }
  }
  return true;
}

/** Where the kept objects go: slot `slots[k]` (of `n * max`) takes object `objects[k]` (from the group's first offset). */
interface Placement {
  slots: Int32Array;
  objects: Int32Array;
}

/** The kept objects of every event, left-packed: the first `counts[i]` of event i, or those `picks` lists. */
function place(offsets: Int32Array, counts: Int32Array, picks: Int32Array | undefined, max: number): Placement {
  const kept = total(counts);
  const placement = { slots: new Int32Array(kept), objects: new Int32Array(kept) };
  if (picks) placePicked(counts, picks, max, placement);
  else placeFirst(offsets, counts, max, placement);
  return placement;
}

/**
 * The sum of the counts. A function of its own: a loop in place() had V8 compile place() on the
 * stack, then throw that code away at the allocations after the loop (up to 12 times a thread).
 */
function total(counts: Int32Array): number {
  let kept = 0;
  for (let i = 0; i < counts.length; i++) kept += counts[i]!;
  return kept;
}

function placeFirst(offsets: Int32Array, counts: Int32Array, max: number, { slots, objects }: Placement): void {
  const o0 = offsets[0]!;
  for (let i = 0, at = 0; i < counts.length; i++) {
    const base = i * max;
    const first = offsets[i]! - o0;
    for (let j = 0, c = counts[i]!; j < c; j++, at++) {
      slots[at] = base + j;
      objects[at] = first + j;
    }
  }
}

function placePicked(counts: Int32Array, picks: Int32Array, max: number, { slots, objects }: Placement): void {
  for (let i = 0, at = 0; i < counts.length; i++) {
    const base = i * max;
    for (let j = 0, c = counts[i]!; j < c; j++, at++) {
      slots[at] = base + j;
      objects[at] = picks[base + j]!;
    }
  }
}

/** Objects kept per event when they need no choosing: the first `max`; returns the number truncated. */
function truncate(offsets: Int32Array, max: number, counts: Int32Array): number {
  let truncated = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = offsets[i + 1]! - offsets[i]!;
    truncated += c > max ? c - max : 0;
    counts[i] = c > max ? max : c;
  }
  return truncated;
}

/** The validity of `slots` slots: 1 where an object went. */
function markValid(slots: Int32Array, slotCount: number): Uint8Array {
  const valid = new Uint8Array(slotCount);
  for (let k = 0; k < slots.length; k++) valid[slots[k]!] = 1;
  return valid;
}

/**
 * Copies every kept object's value into its slot: one flat loop per field, with no loop per event
 * (whose exit the CPU mispredicts once per event and field).
 */
function scatterObjects(v: NumericArray, vBase: number, { slots, objects }: Placement, out: NumericArray): void {
  const src = v as Float64Array;
  const dst = out as Float64Array;
  for (let k = 0; k < slots.length; k++) dst[slots[k]!] = src[vBase + objects[k]!]!;
}

/**
 * Pads one object group from jagged columns to `maxObjects` left-packed slots per event.
 * The kept objects are chosen once (selection, then the sort unless the keys already come in
 * order, then truncation) and every field is copied through the same slot and object lists.
 */
export function padGroup(spec: PadGroupSpec): PaddedGroup {
  const { name, maxObjects: max } = spec;
  const names = Object.keys(spec.fields);
  if (names.length === 0) throw new Error(`group "${name}": no fields to pad`);
  if (names.includes("valid")) throw new Error(`group "${name}": "valid" is reserved for the slot validity of an object group`);
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`group "${name}": maxObjects must be a positive integer, got ${max}`);
  }
  const refField = names[0]!;
  const refLabel = `field ${label(spec, refField)}`;
  const ref = spec.fields[refField]!.offsets;
  const n = ref.length - 1;
  const o0 = ref[0]!;
  const total = ref[n]! - o0;
  for (const f of names) {
    const column = spec.fields[f]!;
    const values = numericValues(name, `field ${label(spec, f)}`, column);
    checkSameCounts(name, refLabel, ref, `field ${label(spec, f)}`, column.offsets);
    if (column.offsets[n]! > values.length) {
      throw new RangeError(`group "${name}": field ${label(spec, f)} has offsets beyond its ${values.length} values`);
    }
  }
  let select: Uint8Array | undefined;
  if (spec.select && ArrayBuffer.isView(spec.select)) {
    select = spec.select;
    if (select.length !== total) throw new RangeError(`group "${name}": selection mask has ${select.length} entries for ${total} objects`);
  } else if (spec.select) {
    checkSameCounts(name, refLabel, ref, "the selection", spec.select.offsets);
    const values = numericValues(name, "the selection", spec.select);
    const base = spec.select.offsets[0]!;
    select = new Uint8Array(total);
    for (let r = 0; r < total; r++) select[r] = values[base + r] ? 1 : 0;
  }
  let keys: NumericArray | undefined;
  let keyBase = 0;
  if (spec.sortBy) {
    checkSameCounts(name, refLabel, ref, "the sort key", spec.sortBy.offsets);
    keys = sortKeys(numericValues(name, "the sort key", spec.sortBy));
    keyBase = spec.sortBy.offsets[0]!;
    // Without a selection, objects already in order only need truncating.
    if (!select && descending(ref, keys, keyBase)) keys = undefined;
  }

  // The loops are in helpers: a loop here would have V8 compile padGroup on the stack before the
  // code after it ever ran, then throw that code away at each group or field type not seen yet.
  const counts = new Int32Array(n);
  let picks: Int32Array | undefined;
  let truncated: number;
  if (!select && !keys) {
    truncated = truncate(ref, max, counts);
  } else {
    picks = new Int32Array(n * max);
    truncated = choose(ref, max, select, keys, keyBase, picks, counts);
  }
  const placement = place(ref, counts, picks, max);
  const valid = markValid(placement.slots, n * max);

  const padding = spec.padding ?? "zero";
  const fields: Record<string, NumericArray> = {};
  const types: Record<string, ElementType> = {};
  for (const f of names) {
    const column = spec.fields[f]!;
    if (holdsStrings(column)) throw stringField(name, label(spec, f));
    const from = leafType(column);
    const type = spec.casts?.[f] ?? from;
    const values = toOutputKind(column.values as NumericArray, from, type, `group "${name}", field ${label(spec, f)}`);
    const out = allocate(type, n * max);
    // Every slot padded first (one call), the kept objects' slots then overwritten.
    const pad = padValueFor(type, padding);
    if (pad !== 0) fill(out, type, pad);
    scatterObjects(values, column.offsets[0]!, placement, out);
    fields[f] = out;
    types[f] = type;
  }
  return { name, length: n, maxObjects: max, fields, types, valid, truncated };
}

/** HDF5 datasets hold numbers: a text field must become one (a comparison) before it gets here. */
function stringField(group: string, field: string): Error {
  return new Error(
    `group "${group}", field ${field} holds strings, which HDF5 outputs do not store; turn it into a number first, e.g. the expression \`name == "value"\``,
  );
}

/** The per-event (global) group: flat scalar columns copied, or cast, to `(N,)` arrays. */
export function padGlobal(spec: GlobalGroupSpec): GlobalGroup {
  const names = Object.keys(spec.fields);
  if (names.length === 0) throw new Error(`group "${spec.name}": no fields`);
  let length = -1;
  let first = "";
  const fields: Record<string, NumericArray> = {};
  const types: Record<string, ElementType> = {};
  for (const f of names) {
    const column = spec.fields[f]!;
    if (column.kind === "string") throw stringField(spec.name, label(spec, f));
    if (column.kind !== "flat" || flatWidth(column.shape) !== 1) {
      throw new Error(
        `group "${spec.name}" is global (one value per event) but field ${label(spec, f)} is ` +
          (column.kind === "jagged" ? "jagged (one value per object)" : `a fixed array of shape [${column.shape}]`),
      );
    }
    const n = columnLength(column);
    if (length < 0) {
      length = n;
      first = f;
    } else if (n !== length) {
      throw new Error(`group "${spec.name}": field ${label(spec, f)} holds ${n} events but ${label(spec, first)} holds ${length}`);
    }
    const from = leafType(column);
    const type = spec.casts?.[f] ?? from;
    const values = toOutputKind(column.values, from, type, `group "${spec.name}", field ${label(spec, f)}`);
    const out = allocate(type, n);
    (out as Float64Array).set(values as Float64Array);
    fields[f] = out;
    types[f] = type;
  }
  return { name: spec.name, length, fields, types };
}
