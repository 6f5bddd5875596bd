import { columnLength } from "../batch/core.js";
import type { Batch, Column, NumericArray } from "../batch/core.js";

/** Split index for events that match no split rule (they are dropped). */
/** The output splits, in the order of split indices (0 = train, the split the statistics come from). */
export const SPLIT_NAMES = ["train", "val", "test"] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/**
 * Split key standing for the entry number in the file, for inputs without an event identity
 * (e.g. ntuples without eventNumber); a real branch of that name takes precedence.
 */
export const ENTRY_KEY = "entry";

export const NO_SPLIT = 255;

/** Rejects a float key column holding a value that is not an integer (a key must be exact). */
function checkIntegers(name: string, values: NumericArray): void {
  if (!(values instanceof Float32Array || values instanceof Float64Array)) return;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isSafeInteger(values[i]!)) {
      throw new Error(`split key "${name}" holds the non-integer value ${values[i]} at event ${i}`);
    }
  }
}

function keyColumn(batch: Batch, name: string): NumericArray {
  const column: Column | undefined = batch.columns[name];
  if (!column) {
    const known = Object.keys(batch.columns);
    throw new Error(`split key "${name}" is not a column of the batch (columns: ${known.join(", ") || "none"})`);
  }
  if (column.kind !== "flat" || (column.shape && column.shape.some((d) => d !== 1))) {
    throw new Error(`split key "${name}" must be one integer per event, got a ${column.kind} column`);
  }
  if (columnLength(column) !== batch.length) {
    throw new Error(`split key "${name}" holds ${columnLength(column)} values for ${batch.length} events`);
  }
  return column.values;
}

/**
 * A key column as little-endian pairs of 32-bit words [low, high] per event: BigInt columns
 * reinterpreted in place, narrower integers sign-extended into a copy. One array type for the hash
 * loop whatever the key types.
 */
function keyWords(name: string, values: NumericArray): Uint32Array {
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  checkIntegers(name, values);
  const words = new Uint32Array(values.length * 2);
  splitWords(values as Float64Array, words);
  return words;
}

/** Each value's low and high 32 bits (a loop of its own, for the reason given at splitOf). */
function splitWords(v: Float64Array, words: Uint32Array): void {
  for (let i = 0; i < v.length; i++) {
    words[2 * i] = v[i]! >>> 0;
    words[2 * i + 1] = Math.floor(v[i]! / 0x100000000) >>> 0;
  }
}

/** High 32 bits of the product of two unsigned 32-bit numbers, exactly (from 16-bit partial products). */
function mulHi(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const m1 = a1 * b0;
  const m2 = a0 * b1;
  const mid = ((a0 * b0) >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
  return (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + (mid >>> 16)) >>> 0;
}

/**
 * A uniform number in [0, 1) per event from a 64-bit hash of the key columns and a seed: the same
 * keys give the same number in any batch, file, process or machine.
 */
export function hashUniform(batch: Batch, keys: readonly string[], seed = 0): Float64Array {
  if (keys.length === 0) throw new Error("hash split needs at least one key column");
  const cols = keys.map((k) => keyWords(k, keyColumn(batch, k)));
  const out = new Float64Array(batch.length);
  hashInto(cols, seed >>> 0, Math.floor(seed / 0x100000000) >>> 0, out);
  return out;
}

/**
 * splitmix64 with the keys folded in, on the state as two unsigned 32-bit limbs in local variables
 * (h, l): per key, the golden-ratio increment, the key xor-ed in, then the finaliser (Stafford
 * variant 13). Products modulo 2^64 from Math.imul and mulHi, all exact.
 */
function hashInto(cols: Uint32Array[], seedLo: number, seedHi: number, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) {
    let h = seedHi;
    let l = seedLo;
    for (let k = 0; k < cols.length; k++) {
      const words = cols[k]!;
      const sum = l + 0x7f4a7c15;
      h = (h + 0x9e3779b9 + (sum > 0xffffffff ? 1 : 0)) >>> 0;
      l = (sum ^ words[2 * i]!) >>> 0;
      h = (h ^ words[2 * i + 1]!) >>> 0;
      // S ^= S >>> 30; S *= 0xbf58476d1ce4e5b9
      l = (l ^ ((l >>> 30) | (h << 2))) >>> 0;
      h = (h ^ (h >>> 30)) >>> 0;
      h = (mulHi(l, 0x1ce4e5b9) + Math.imul(h, 0x1ce4e5b9) + Math.imul(l, 0xbf58476d)) >>> 0;
      l = Math.imul(l, 0x1ce4e5b9) >>> 0;
      // S ^= S >>> 27; S *= 0x94d049bb133111eb
      l = (l ^ ((l >>> 27) | (h << 5))) >>> 0;
      h = (h ^ (h >>> 27)) >>> 0;
      h = (mulHi(l, 0x133111eb) + Math.imul(h, 0x133111eb) + Math.imul(l, 0x94d049bb)) >>> 0;
      l = Math.imul(l, 0x133111eb) >>> 0;
      // S ^= S >>> 31
      l = (l ^ ((l >>> 31) | (h << 1))) >>> 0;
      h = (h ^ (h >>> 31)) >>> 0;
    }
    out[i] = (h * 0x200000 + (l >>> 11)) / 0x20000000000000;
  }
}

/**
 * Split index per event from the hash of its identity: event i goes to the first split whose
 * cumulative fraction exceeds its uniform number. Fractions must sum to 1.
 */
export function hashSplit(batch: Batch, keys: readonly string[], fractions: readonly number[], seed = 0): Uint8Array {
  checkFractions(fractions);
  const cumulative = new Float64Array(fractions.length);
  let acc = 0;
  fractions.forEach((f, i) => {
    acc += f;
    cumulative[i] = acc;
  });
  cumulative[fractions.length - 1] = Infinity;
  const u = hashUniform(batch, keys, seed);
  const out = new Uint8Array(batch.length);
  splitOf(u, cumulative, out);
  return out;
}

/**
 * Each event's split: the first whose cumulative fraction is above its number. A function of its
 * own: as a loop in hashSplit, V8 compiled hashSplit on the stack and threw the code away again
 * at the calls around the loop (7 compilations in a thread's first tasks).
 */
function splitOf(u: Float64Array, cumulative: Float64Array, out: Uint8Array): void {
  for (let i = 0; i < u.length; i++) {
    let s = 0;
    while (u[i]! >= cumulative[s]!) s++;
    out[i] = s;
  }
}

function checkFractions(fractions: readonly number[]): void {
  if (fractions.length === 0 || fractions.length >= NO_SPLIT) throw new Error(`need 1 to ${NO_SPLIT - 1} split fractions`);
  let sum = 0;
  for (const f of fractions) {
    if (!(f >= 0 && f <= 1)) throw new RangeError(`split fraction ${f} is outside [0, 1]`);
    sum += f;
  }
  if (Math.abs(sum - 1) > 1e-9) throw new RangeError(`split fractions sum to ${sum}, not 1`);
}

/** Comparison of one UPP cut triplet; `modulo` is set for the `%N<op>` forms. */
export interface SplitCondition {
  field: string;
  op: "==" | "!=" | "<=" | ">=" | "<" | ">";
  modulo?: number;
  value: number;
}

/** A UPP cut triplet as written in YAML: `[eventNumber, "%10<=", 7]`. */
export type SplitRuleTriplet = readonly [string, string, number];

const OP = /^(?:%(\d+))?(==|!=|<=|>=|<|>)$/;

/**
 * Parses a UPP cut triplet; modulo forms are `%N==`, `%N!=`, `%N<=`, `%N>=` with N in 2..100,
 * as UPP/ftag accept (no `%N<` or `%N>`).
 */
export function parseSplitCondition(triplet: SplitRuleTriplet): SplitCondition {
  const [field, opText, value] = triplet;
  const m = OP.exec(opText);
  if (!m) throw new Error(`unknown operator "${opText}" (expected ==, !=, <, <=, >, >= or %N==, %N!=, %N<=, %N>=)`);
  const op = m[2] as SplitCondition["op"];
  if (!Number.isFinite(value)) throw new Error(`value ${value} of "${field} ${opText}" is not a finite number`);
  if (m[1] === undefined) return { field, op, value };
  const modulo = Number(m[1]);
  if (modulo < 2 || modulo > 100) throw new Error(`modulus ${modulo} in "${opText}" is outside 2..100`);
  if (op === "<" || op === ">") throw new Error(`"${opText}": modulo supports only ==, !=, <=, >=`);
  return { field, op, modulo, value };
}

function compare(op: SplitCondition["op"], a: number, b: number): boolean {
  switch (op) {
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case "<=":
      return a <= b;
    case ">=":
      return a >= b;
    case "<":
      return a < b;
    case ">":
      return a > b;
  }
}

/** Non-negative residues modulo m (2..100) of an integer key column, exact for 64-bit keys. */
function residuesOf(field: string, values: NumericArray, m: number): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n);
  if (values instanceof BigUint64Array) {
    // (hi * 2^32 + lo) mod m from the 32-bit words, without a BigInt per event.
    const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
    const wordMod = 0x100000000 % m;
    for (let i = 0; i < n; i++) out[i] = ((words[2 * i + 1]! % m) * wordMod + (words[2 * i]! % m)) % m;
  } else if (values instanceof BigInt64Array) {
    const mb = BigInt(m);
    for (let i = 0; i < n; i++) out[i] = Number(((values[i]! % mb) + mb) % mb);
  } else {
    checkIntegers(field, values);
    const v = values as Float64Array;
    for (let i = 0; i < n; i++) out[i] = ((v[i]! % m) + m) % m;
  }
  return out;
}

/**
 * UPP-style split: event i gets the index of the first split whose conditions all hold, or
 * NO_SPLIT when none does. `rules[s]` holds the conditions of split s.
 */
export function ruleSplit(batch: Batch, rules: readonly (readonly SplitCondition[])[]): Uint8Array {
  if (rules.length === 0 || rules.length >= NO_SPLIT) throw new Error(`need 1 to ${NO_SPLIT - 1} split rules`);
  const n = batch.length;
  const out = new Uint8Array(n).fill(NO_SPLIT);
  const pending = new Uint8Array(n);
  const residues = new Map<string, Uint8Array>();
  rules.forEach((conditions, s) => {
    pending.fill(1);
    for (const c of conditions) {
      const values = keyColumn(batch, c.field);
      if (c.modulo === undefined) {
        for (let i = 0; i < n; i++) if (pending[i] && !compare(c.op, Number(values[i]), c.value)) pending[i] = 0;
        continue;
      }
      // A modulo condition is a table lookup on the residue, computed once per (field, modulus).
      const m = c.modulo;
      const key = `${c.field}%${m}`;
      let res = residues.get(key);
      if (!res) {
        res = residuesOf(c.field, values, m);
        residues.set(key, res);
      }
      const accept = new Uint8Array(m);
      for (let r = 0; r < m; r++) accept[r] = compare(c.op, r, c.value) ? 1 : 0;
      for (let i = 0; i < n; i++) pending[i]! &= accept[res[i]!]!;
    }
    for (let i = 0; i < n; i++) if (pending[i] && out[i] === NO_SPLIT) out[i] = s;
  });
  return out;
}

/**
 * Static check of modulo-only rules on one field: which residues fall in several splits or in
 * none. Returns undefined when the rules are not all modulo conditions on a single field.
 */
export function checkSplitRules(
  rules: readonly (readonly SplitCondition[])[],
): { field: string; modulus: number; overlapping: number[]; uncovered: number[] } | undefined {
  const all = rules.flat();
  if (all.length === 0) return undefined;
  const field = all[0]!.field;
  if (!all.every((c) => c.modulo !== undefined && c.field === field)) return undefined;
  let modulus = 1;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  for (const c of all) modulus = (modulus / gcd(modulus, c.modulo!)) * c.modulo!;
  if (modulus > 1_000_000) return undefined;
  const overlapping: number[] = [];
  const uncovered: number[] = [];
  for (let r = 0; r < modulus; r++) {
    let hits = 0;
    for (const conditions of rules) if (conditions.every((c) => compare(c.op, r % c.modulo!, c.value))) hits++;
    if (hits > 1) overlapping.push(r);
    if (hits === 0) uncovered.push(r);
  }
  return { field, modulus, overlapping, uncovered };
}

/** How events are assigned to splits: a seeded hash of key columns, or UPP rules per split. */
export type SplitSpec =
  | { kind: "hash"; keys: readonly string[]; fractions: readonly number[]; seed?: number }
  | { kind: "rules"; rules: readonly (readonly SplitCondition[])[] };

/** Split index per event of a batch, by either method. */
export function assignSplits(batch: Batch, spec: SplitSpec): Uint8Array {
  return spec.kind === "hash" ? hashSplit(batch, spec.keys, spec.fractions, spec.seed ?? 0) : ruleSplit(batch, spec.rules);
}
