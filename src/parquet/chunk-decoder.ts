import { allocate } from "../batch/element-type.js";
import type { Column, NumericArray } from "../batch/types.js";
import { bitWidth, decodeIndices, decodeLevels } from "./hybrid.js";
import { Encoding, type ChunkMeta } from "./metadata.js";
import { NeedsFallback, PageError, readChunkPages, type DataPage, type DictionaryPage } from "./pages.js";
import { copyPlain, gather, plainDictionary } from "./values.js";
import type { LeafPlan } from "./leaf-plan.js";

/**
 * Rows [lo, hi) of one column chunk as an sxflow column, straight from its pages: levels give
 * the list offsets, values are copied (or looked up in the dictionary) into one array of the
 * column's type. A null anywhere in the rows asked for throws NeedsFallback: parquet-wasm then
 * reads the chunk and reports the nulls exactly as before.
 */
export function decodeChunk(bytes: Uint8Array, plan: LeafPlan, chunk: ChunkMeta, lo: number, hi: number): Column {
  const dict = new Dictionary(plan);
  return plan.maxRep === 0 ? flatColumn(bytes, plan, chunk, dict, lo, hi) : listColumn(bytes, plan, chunk, dict, lo, hi);
}

/** The chunk's dictionary, decoded once when a page first needs it. */
class Dictionary {
  private values: NumericArray | undefined;
  constructor(private readonly plan: LeafPlan) {}

  get(d: DictionaryPage | undefined): NumericArray | undefined {
    if (this.values || !d) return this.values;
    try {
      this.values = plainDictionary(d.values, this.plan.physical, d.count, this.plan.elementType);
    } catch (error) {
      throw new PageError(d.page, (error as Error).message);
    }
    return this.values;
  }
}

/** Which of a page's non-null values the rows asked for take, and where they go. */
interface Take {
  page: number;
  encoding: number;
  values: Uint8Array;
  dict: NumericArray | undefined;
  from: number;
  count: number;
  at: number;
}

function shortChunk(rows: number, hi: number): Error {
  return new Error(`the column chunk holds ${rows} rows, its row group ${hi} or more`);
}

function flatColumn(bytes: Uint8Array, plan: LeafPlan, chunk: ChunkMeta, dict: Dictionary, lo: number, hi: number): Column {
  const values = allocate(plan.elementType, hi - lo);
  const rows = readChunkPages(bytes, plan, chunk, lo, (page, d) => {
    const a = Math.max(lo, page.firstRow);
    const b = Math.min(hi, page.firstRow + page.levels);
    if (a < b) {
      let from = a - page.firstRow;
      if (page.def) {
        const before = presentBefore(page.def, 0, from, plan.maxDef, page.page);
        if (presentBefore(page.def, from, b - page.firstRow, plan.maxDef, page.page) !== b - a) throw new NeedsFallback("nulls");
        from = before;
      }
      copyValues(take(page, dict.get(d), from, b - a, a - lo), plan, values);
    }
    return page.firstRow + page.levels >= hi ? -1 : page.levels;
  });
  if (rows >= 0) throw shortChunk(rows, hi);
  const out: Column = { kind: "flat", values };
  if (plan.elementType === "bool") out.elementType = "bool";
  return out;
}

function take(page: DataPage, dict: NumericArray | undefined, from: number, count: number, at: number): Take {
  return { page: page.page, encoding: page.encoding, values: page.values, dict, from, count, at };
}

/** Levels equal to `maxDef` (values present) in [start, end); a level above it is corrupt. */
function presentBefore(def: Uint8Array, start: number, end: number, maxDef: number, page: number): number {
  let present = 0;
  for (let i = start; i < end; i++) {
    const d = def[i]!;
    if (d === maxDef) present++;
    else if (d > maxDef) throw new PageError(page, `definition level ${d} above the column's maximum ${maxDef}`);
  }
  return present;
}

/** State of the level scan across the pages of a list chunk. */
class ListScan {
  /** Index of the current row (-1 before the first). */
  row = -1;
  /** Elements output so far. */
  elements = 0;
  /** Of the current page: non-null values before the first taken, values taken, nulls met, first bad level. */
  before = 0;
  taken = 0;
  nulls = 0;
  bad = -1;
}

function listColumn(bytes: Uint8Array, plan: LeafPlan, chunk: ChunkMeta, dict: Dictionary, lo: number, hi: number): Column {
  const offsets = new Int32Array(hi - lo + 1);
  const scan = new ListScan();
  const takes: Take[] = [];
  // A required list of required values (what awkward writes): levels cannot be null.
  const plain = plan.listDef === 0 && plan.maxDef === 1;
  readChunkPages(bytes, plan, chunk, lo, (page, d) => {
    // Rows skipped with their pages (v2 headers count them).
    if (scan.row < page.firstRow - 1) scan.row = page.firstRow - 1;
    const firstRow = scan.row;
    const at = scan.elements;
    if (plain) scanPlainList(page.rep!, page.def!, page.levels, lo, hi, offsets, scan);
    else scanList(page.rep!, page.def!, page.levels, plan.maxDef, plan.listDef, lo, hi, offsets, scan);
    if (scan.bad >= 0) {
      const i = scan.bad;
      throw new PageError(page.page, `levels out of range at value ${i} (repetition ${page.rep![i]}, definition ${page.def![i]}; maxima ${plan.maxRep} and ${plan.maxDef})`);
    }
    if (scan.nulls > 0) throw new NeedsFallback("nulls");
    if (scan.taken > 0) takes.push(take(page, dict.get(d), scan.before, scan.taken, at));
    return scan.row >= hi ? -1 : scan.row - firstRow;
  });
  if (scan.row + 1 < hi) throw shortChunk(scan.row + 1, hi);
  offsets[hi - lo] = scan.elements;
  const values = allocate(plan.elementType, scan.elements);
  for (const t of takes) copyValues(t, plan, values);
  const out: Column = { kind: "jagged", offsets, values };
  if (plan.elementType === "bool") out.elementType = "bool";
  return out;
}

/**
 * One page's levels: offsets of the rows in [lo, hi) that start in it, and which of its values
 * they take. Small and monomorphic: this loop runs once per list element.
 */
function scanList(rep: Uint8Array, def: Uint8Array, n: number, maxDef: number, listDef: number, lo: number, hi: number, offsets: Int32Array, s: ListScan): void {
  let row = s.row;
  let elements = s.elements;
  let before = 0;
  let taken = 0;
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const r = rep[i]!;
    const d = def[i]!;
    if (r > 1 || d > maxDef || (r === 1 && row < 0)) {
      s.bad = i;
      break;
    }
    if (r === 0) {
      row++;
      if (row >= hi) break;
      if (row >= lo) offsets[row - lo] = elements;
    }
    if (row < lo) {
      if (d === maxDef) before++;
    } else if (d === maxDef) {
      elements++;
      taken++;
    } else if (d !== listDef) {
      nulls++;
    }
  }
  s.row = row;
  s.elements = elements;
  s.before = before;
  s.taken = taken;
  s.nulls = nulls;
}

/** {@link scanList} for a required list of required values: definition 1 is a value, 0 an empty list. */
function scanPlainList(rep: Uint8Array, def: Uint8Array, n: number, lo: number, hi: number, offsets: Int32Array, s: ListScan): void {
  let row = s.row;
  let elements = s.elements;
  let before = 0;
  let i = 0;
  // Levels of rows before lo: only their values counted. A level starting row lo is left to the next loop.
  for (; i < n && row < lo; i++) {
    const r = rep[i]!;
    const d = def[i]!;
    if ((r | d) > 1 || (r === 1 && row < 0)) {
      s.bad = i;
      return;
    }
    if (r === 0) {
      if (row + 1 >= lo) break;
      row++;
    }
    before += d;
  }
  const start = elements;
  for (; i < n; i++) {
    const r = rep[i]!;
    const d = def[i]!;
    if ((r | d) > 1) {
      s.bad = i;
      return;
    }
    if (r === 0) {
      row++;
      if (row >= hi) break;
      offsets[row - lo] = elements;
    }
    elements += d;
  }
  s.row = row;
  s.elements = elements;
  s.before = before;
  s.taken = elements - start;
  s.nulls = 0;
}

/** A page's values [from, from + count) (counting non-null values) into `out` at `at`. */
function copyValues(t: Take, plan: LeafPlan, out: NumericArray): void {
  try {
    const src = t.values;
    switch (t.encoding) {
      case Encoding.PLAIN:
        copyPlain(src, plan.physical, t.from, t.count, out, t.at);
        return;
      case Encoding.PLAIN_DICTIONARY:
      case Encoding.RLE_DICTIONARY: {
        if (!t.dict) throw new Error("a dictionary-encoded page without a dictionary page");
        if (src.length < 1) throw new Error("the page's dictionary indices are missing");
        const width = src[0]!;
        if (width > 32) throw new Error(`dictionary index width ${width} above 32 bits`);
        const indices = new Int32Array(t.from + t.count);
        decodeIndices(src, 1, src.length, width, indices, indices.length);
        gather(t.dict, indices, t.from, t.count, out, t.at);
        return;
      }
      case Encoding.RLE: {
        if (plan.elementType !== "bool") throw new NeedsFallback(`RLE values of ${plan.elementType}`);
        if (src.length < 4) throw new Error("the page's RLE booleans end early");
        const length = (src[0]! | (src[1]! << 8) | (src[2]! << 16) | (src[3]! << 24)) >>> 0;
        if (4 + length > src.length) throw new Error(`the page's RLE booleans (${length} bytes) run past the page`);
        const bits = new Uint8Array(t.from + t.count);
        decodeLevels(src, 4, 4 + length, bitWidth(1), bits, bits.length);
        (out as Uint8Array).set(bits.subarray(t.from), t.at);
        return;
      }
      default:
        throw new NeedsFallback(`value encoding ${t.encoding}`);
    }
  } catch (error) {
    if (error instanceof NeedsFallback || error instanceof PageError) throw error;
    throw new PageError(t.page, (error as Error).message);
  }
}
