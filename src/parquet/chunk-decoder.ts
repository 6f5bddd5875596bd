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

/*
 * What the last level scan left: the current row (-1 before the first) and the elements output
 * so far, and of its page the non-null values before the first taken, the values taken, the
 * nulls met and the first bad level. Module variables rather than an object's properties: the
 * scans run hot enough to be compiled on their first page (on-stack replacement), before their
 * tail had run once, and property stores there without type feedback deoptimised them on every
 * call (161 times reading one 1 M-event file), which context variables do not.
 */
let scanRow = -1;
let scanElements = 0;
let scanBefore = 0;
let scanTaken = 0;
let scanNulls = 0;
let scanBad = -1;

/**
 * A list column's values as its pages are scanned, one array per element type reused from chunk
 * to chunk: the page's bytes do not outlive the page, and the count is known only at the end.
 */
const listValues = new Map<string, NumericArray>();

/** The scratch array of `plan`'s element type, holding at least `n` values (the first `keep` kept). */
function listScratch(plan: LeafPlan, n: number, keep: number): NumericArray {
  const have = listValues.get(plan.elementType);
  if (have && have.length >= n) return have;
  const grown = allocate(plan.elementType, Math.max(n, 2 * (have?.length ?? 0), 1024));
  if (have && keep > 0) (grown as Float64Array).set((have as Float64Array).subarray(0, keep));
  listValues.set(plan.elementType, grown);
  return grown;
}

/** What scanning one page's levels gave, and from what. */
interface PageScan {
  /** The page's encoded levels (a copy) and their layout, as readChunkPages passes them. */
  encoded: Uint8Array;
  layout: number;
  levels: number;
  firstRow: number;
  /** Row and elements before the page and after it; values before the first taken, and taken. */
  rowIn: number;
  elementsIn: number;
  rowOut: number;
  elementsOut: number;
  before: number;
  taken: number;
}

interface ChunkScan {
  lo: number;
  hi: number;
  pages: PageScan[];
  offsets: Int32Array;
}

/**
 * The level scans of the last few list chunks decoded in this thread (required lists of required
 * values, most recent first), each for the rows [lo, hi) it was read for, with the offsets they
 * gave (a copy: the column's own are transferred away with its batch). The columns of one
 * collection (jet_pt, jet_eta, jet_phi...) have the same lists, so their chunks usually store the
 * same level bytes page by page: a page whose encoded levels, starting state and rows equal a
 * scan here decodes to the same offsets and counts, which are then taken instead of decoding and
 * scanning the levels again. Several are kept because files interleave collections (TopCP-like
 * files: el_eta, el_phi, jet_..., el_pt_NOSYS, jet_pt_NOSYS).
 */
const recentScans: ChunkScan[] = [];
const RECENT_SCANS = 4;

function matches(c: PageScan | undefined, encoded: Uint8Array, levels: number, firstRow: number, layout: number, rowIn: number, elementsIn: number): c is PageScan {
  return c !== undefined && c.levels === levels && c.firstRow === firstRow && c.layout === layout && c.rowIn === rowIn && c.elementsIn === elementsIn && sameBytes(c.encoded, encoded);
}

/** Pages of list chunks read in this thread whose levels were taken from the chunk before (and all pages of such chunks). */
export const levelReuse = { reused: 0, pages: 0 };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function listColumn(bytes: Uint8Array, plan: LeafPlan, chunk: ChunkMeta, dict: Dictionary, lo: number, hi: number): Column {
  const offsets = new Int32Array(hi - lo + 1);
  let row = -1;
  let elements = 0;
  // Required lists of required values only: pages decoded (or reused) in order, while each matches the last chunk's.
  let cache: ChunkScan | undefined;
  const scans: PageScan[] = [];
  let reusing = true;
  /** Offsets taken from the cache so far: [0, copied) are in place. */
  let copied = 0;
  const catchUp = (): void => {
    // Rows started before the current one are final in the cache; the current one's end is not.
    const upTo = Math.max(0, Math.min(hi - lo, row + 1 - lo));
    if (cache && upTo > copied) offsets.set(cache.offsets.subarray(copied, upTo), copied);
    copied = Math.max(copied, upTo);
  };
  /** Of the page being read: the cache's scan it matches, or its own entry of `scans` to fill. */
  let hit: PageScan | undefined;
  let own: PageScan | undefined;
  /** A page was read without being offered to `known` (levels not as expected): nothing is kept. */
  let unrecorded = false;
  const known = (encoded: Uint8Array, levels: number, firstRow: number, layout: number): boolean => {
    const rowIn = Math.max(row, firstRow - 1);
    // The first page chooses the scan to follow, if one starts the same.
    if (scans.length === 0) cache = recentScans.find((c) => c.lo === lo && c.hi === hi && matches(c.pages[0], encoded, levels, firstRow, layout, rowIn, elements));
    const c = reusing && cache ? cache.pages[scans.length] : undefined;
    if (matches(c, encoded, levels, firstRow, layout, rowIn, elements)) {
      hit = c;
      return true;
    }
    if (reusing) {
      reusing = false;
      catchUp();
    }
    own = { encoded: encoded.slice(), layout, levels, firstRow, rowIn, elementsIn: elements, rowOut: 0, elementsOut: 0, before: 0, taken: 0 };
    scans.push(own);
    return false;
  };
  // A required list of required values (what awkward writes): levels cannot be null.
  const plain = plan.listDef === 0 && plan.maxDef === 1;
  readChunkPages(
    bytes,
    plan,
    chunk,
    lo,
    (page, d) => {
      // Rows skipped with their pages (v2 headers count them).
      if (row < page.firstRow - 1) row = page.firstRow - 1;
      const firstRow = row;
      const at = elements;
      if (hit) {
        // The same levels as the last chunk's page: its scan's outcome.
        const h = hit;
        hit = undefined;
        scans.push(h);
        levelReuse.reused++;
        levelReuse.pages++;
        row = h.rowOut;
        elements = h.elementsOut;
        if (h.taken > 0) copyValues(take(page, dict.get(d), h.before, h.taken, at), plan, listScratch(plan, elements, at));
        return row >= hi ? -1 : row - firstRow;
      }
      if (plain) levelReuse.pages++;
      if (!own) {
        unrecorded = true;
        if (reusing) {
          reusing = false;
          catchUp();
        }
      }
      if (plain) scanPlainList(page.rep!, page.def!, page.levels, lo, hi, offsets, row, elements);
    else scanList(page.rep!, page.def!, page.levels, plan.maxDef, plan.listDef, lo, hi, offsets, row, elements);
    if (scanBad >= 0) {
      const i = scanBad;
      throw new PageError(page.page, `levels out of range at value ${i} (repetition ${page.rep![i]}, definition ${page.def![i]}; maxima ${plan.maxRep} and ${plan.maxDef})`);
    }
      if (scanNulls > 0) throw new NeedsFallback("nulls");
      row = scanRow;
      elements = scanElements;
      if (own) {
        Object.assign(own, { rowOut: row, elementsOut: elements, before: scanBefore, taken: scanTaken });
        own = undefined;
      }
      if (scanTaken > 0) copyValues(take(page, dict.get(d), scanBefore, scanTaken, at), plan, listScratch(plan, elements, at));
      return row >= hi ? -1 : row - firstRow;
    },
    plain ? known : undefined,
  );
  if (row + 1 < hi) throw shortChunk(row + 1, hi);
  if (reusing && cache) catchUp();
  offsets[hi - lo] = elements;
  if (plain) {
    // Most recent first: the scan followed to the end, or this chunk's own.
    const kept = reusing && cache ? cache : unrecorded || scans.length === 0 ? undefined : { lo, hi, pages: scans, offsets: offsets.slice() };
    if (cache) recentScans.splice(recentScans.indexOf(cache), 1);
    if (kept) recentScans.unshift(kept);
    recentScans.length = Math.min(recentScans.length, RECENT_SCANS);
  }
  const values = allocate(plan.elementType, elements);
  if (elements > 0) (values as Float64Array).set((listValues.get(plan.elementType)! as Float64Array).subarray(0, elements));
  const out: Column = { kind: "jagged", offsets, values };
  if (plan.elementType === "bool") out.elementType = "bool";
  return out;
}

/**
 * One page's levels: offsets of the rows in [lo, hi) that start in it, and which of its values
 * they take. Small and monomorphic: this loop runs once per list element.
 */
function scanList(rep: Uint8Array, def: Uint8Array, n: number, maxDef: number, listDef: number, lo: number, hi: number, offsets: Int32Array, row: number, elements: number): void {
  n |= 0;
  lo |= 0;
  hi |= 0;
  row |= 0;
  elements |= 0;
  let before = 0;
  let taken = 0;
  let nulls = 0;
  let bad = -1;
  for (let i = 0; i < n; i++) {
    const r = rep[i]!;
    const d = def[i]!;
    if (r > 1 || d > maxDef || (r === 1 && row < 0)) {
      bad = i;
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
  scanRow = row;
  scanElements = elements;
  scanBefore = before;
  scanTaken = taken;
  scanNulls = nulls;
  scanBad = bad;
}

/** Levels per branch-free block of {@link plainBlocks}. */
const BLOCK = 256;

/**
 * {@link scanList} for a required list of required values: definition 1 is a value, 0 an empty
 * list. In three loops of their own (rows before lo, branch-free blocks, the rest), each compiled
 * on its own: one function holding them all was compiled on-stack during its first page, before
 * its later loops had run, and deoptimised on reaching them.
 */
function scanPlainList(rep: Uint8Array, def: Uint8Array, n: number, lo: number, hi: number, offsets: Int32Array, row: number, elements: number): void {
  // Small integers from here on, whatever representation the caller's numbers had.
  n |= 0;
  lo |= 0;
  hi |= 0;
  scanBad = -1;
  scanNulls = 0;
  let i = plainBefore(rep, def, n, lo, row | 0);
  if (scanBad >= 0) return;
  const before = scanBefore;
  i = plainBlocks(rep, def, i, n, lo, hi, offsets, scanRow, elements | 0);
  plainRows(rep, def, i, n, lo, hi, offsets, scanRow, scanElements);
  scanBefore = before;
  scanTaken = scanElements - (elements | 0);
}

/** Levels of rows before lo: only their values counted. A level starting row lo is left to the next loops; returns where they start. */
function plainBefore(rep: Uint8Array, def: Uint8Array, n: number, lo: number, row: number): number {
  let before = 0;
  let i = 0;
  for (; i < n && row < lo; i++) {
    const r = rep[i]!;
    const d = def[i]!;
    if ((r | d) > 1 || (r === 1 && row < 0)) {
      scanBad = i;
      break;
    }
    if (r === 0) {
      if (row + 1 >= lo) break;
      row++;
    }
    before += d;
  }
  scanRow = row;
  scanBefore = before;
  return i;
}

/**
 * Blocks of levels that cannot reach row hi (fewer levels than rows left), without a branch per
 * level: each level writes where the next row would start, so that a row's start is in place
 * whenever one begins (levels starting a row are about one in five in TopCP-like lists, too
 * irregular for branch prediction). Measured at 3.0-3.7 ns per level against 5.3-6.6. A block
 * with a level above 1 is left to {@link plainRows}, which names it. Returns where it stopped.
 */
function plainBlocks(rep: Uint8Array, def: Uint8Array, i: number, n: number, lo: number, hi: number, offsets: Int32Array, row: number, elements: number): number {
  while (i < n && row + BLOCK < hi) {
    const end = Math.min(n, i + BLOCK);
    let bad = 0;
    let r0 = row;
    let e0 = elements;
    offsets[r0 + 1 - lo] = e0;
    let k = i;
    for (; k < end; k++) {
      const r = rep[k]!;
      const d = def[k]!;
      bad |= r | d;
      r0 += 1 - r;
      e0 += d;
      offsets[r0 + 1 - lo] = e0;
    }
    if (bad > 1) break;
    i = k;
    row = r0;
    elements = e0;
  }
  scanRow = row;
  scanElements = elements;
  return i;
}

/** Levels from i on, one by one, until row hi starts. */
function plainRows(rep: Uint8Array, def: Uint8Array, i: number, n: number, lo: number, hi: number, offsets: Int32Array, row: number, elements: number): void {
  for (; i < n; i++) {
    const r = rep[i]!;
    const d = def[i]!;
    if ((r | d) > 1) {
      scanBad = i;
      return;
    }
    if (r === 0) {
      row++;
      if (row >= hi) break;
      offsets[row - lo] = elements;
    }
    elements += d;
  }
  scanRow = row;
  scanElements = elements;
}

/** Dictionary indices of a page, reused from page to page. */
let indexScratch = new Int32Array(0);

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
        const n = t.from + t.count;
        if (indexScratch.length < n) indexScratch = new Int32Array(Math.max(n, 2 * indexScratch.length));
        const indices = indexScratch;
        decodeIndices(src, 1, src.length, width, indices, n);
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
