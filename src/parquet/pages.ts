import { decompress } from "./codecs.js";
import { bitWidth, decodeLevels } from "./hybrid.js";
import { Encoding, type ChunkMeta } from "./metadata.js";
import { crcMismatch, pageAt } from "./page-header.js";
import { field, num, type ThriftValue } from "./thrift.js";
import type { LeafPlan } from "./leaf-plan.js";

/** The column chunk needs parquet-wasm after all (found before anything was output): nulls, or a page the metadata did not announce. */
export class NeedsFallback extends Error {}

/** An error in page `page` of a chunk (the caller names file, row group and column). */
export class PageError extends Error {
  constructor(
    readonly page: number,
    message: string,
  ) {
    super(message);
  }
}

/** A data page with its levels decoded and its values still encoded. */
export interface DataPage {
  /** Index of the page in the chunk (dictionary page included), for errors. */
  page: number;
  /** Levels (values, nulls and empty lists included). */
  levels: number;
  /** Levels in scratch memory: valid only during the call that receives the page. */
  rep: Uint8Array | undefined;
  def: Uint8Array | undefined;
  /** Rows of the chunk before this page, when known (flat columns, and v2 pages skipped). */
  firstRow: number;
  encoding: number;
  /** The page's values section, decompressed: like the levels, valid only during the call that receives the page. */
  values: Uint8Array;
}

/** The dictionary page's PLAIN values, still as bytes. */
export interface DictionaryPage {
  page: number;
  values: Uint8Array;
  count: number;
}

/**
 * Receives each data page in order; returns the rows that start in it, or -1 once the rows
 * asked for are complete (no further page is read).
 */
export type PageVisitor = (page: DataPage, dictionary: DictionaryPage | undefined) => number;

/**
 * Asked before a page's levels are decoded, with their encoded bytes (both sections as stored),
 * how many levels they hold, the rows before the page and their layout (v2: the repetition
 * section's length; v1: -1): true when the caller already knows what they decode to. They are
 * then not decoded, and the page reaches the visitor with rep and def undefined.
 */
export type LevelsKnown = (encoded: Uint8Array, levels: number, firstRow: number, layout: number) => boolean;

// PageHeader, DataPageHeader(V2) and DictionaryPageHeader field ids of parquet.thrift.
const DATA_PAGE = 0;
const DICTIONARY_PAGE = 2;
const DATA_PAGE_V2 = 3;

function int(v: unknown, what: string, page: number): number {
  const n = num(v as never);
  if (n === undefined || n < 0) throw new PageError(page, `corrupt page header (no ${what})`);
  return n;
}

// Level scratch memory, reused from page to page (levels are consumed during the visit).
let repScratch = new Uint8Array(1 << 16);
let defScratch = new Uint8Array(1 << 16);

function scratch(which: "rep" | "def", n: number): Uint8Array {
  if (which === "rep") {
    if (repScratch.length < n) repScratch = new Uint8Array(Math.max(n, repScratch.length * 2));
    return repScratch;
  }
  if (defScratch.length < n) defScratch = new Uint8Array(Math.max(n, defScratch.length * 2));
  return defScratch;
}

/**
 * Reads the pages of one column chunk from the first that holds row `lo`: checks each page's CRC
 * where the writer stored one, decompresses it, decodes its levels and hands it to `visit`, until
 * `visit` says the rows are complete. Pages wholly before `lo` are skipped undecompressed where
 * their header tells their rows. Returns the rows counted (all of the chunk's, if read to the end).
 */
export function readChunkPages(bytes: Uint8Array, plan: LeafPlan, chunk: ChunkMeta, lo: number, visit: PageVisitor, known?: LevelsKnown): number {
  let dictionary: DictionaryPage | undefined;
  let rows = 0;
  const repWidth = bitWidth(plan.maxRep);
  const defWidth = bitWidth(plan.maxDef);
  let at = 0;
  for (let page = 0; at < bytes.length; page++) {
    let h, start, end;
    try {
      ({ header: h, start, end } = pageAt(bytes, at, `page ${page}`));
    } catch (error) {
      throw new PageError(page, (error as Error).message.replace(`page ${page}: `, ""));
    }
    at = end;
    const body = bytes.subarray(start, end);
    const type = h.header.get(1);
    const size = int(h.header.get(2), "uncompressed page size", page);
    if (type === DICTIONARY_PAGE) {
      checkCrc(body, h.crc, page);
      const d = h.header.get(7);
      const encoding = num(field(d, 2));
      if (encoding !== Encoding.PLAIN && encoding !== Encoding.PLAIN_DICTIONARY) throw new NeedsFallback(`dictionary page encoding ${encoding}`);
      // A copy: the decompressed bytes are scratch memory, and the dictionary serves every page of the chunk.
      dictionary = { page, values: inflate(chunk.codec, body, size, page).slice(), count: int(field(d, 1), "dictionary size", page) };
      continue;
    }
    if (type !== DATA_PAGE && type !== DATA_PAGE_V2) continue;
    const v2 = type === DATA_PAGE_V2;
    const dh = h.header.get(v2 ? 8 : 5);
    const levels = int(field(dh, 1), "value count", page);
    const encoding = num(field(dh, v2 ? 4 : 2)) ?? -1;
    const headerRows = v2 ? int(field(dh, 3), "row count", page) : plan.maxRep === 0 ? levels : undefined;
    if (headerRows !== undefined && rows + headerRows <= lo) {
      // Wholly before the wanted rows: not even decompressed (nor checked: its bytes are not used).
      rows += headerRows;
      continue;
    }
    checkCrc(body, h.crc, page);
    let rep: Uint8Array | undefined;
    let def: Uint8Array | undefined;
    let values: Uint8Array;
    try {
      if (v2) {
        const defLength = int(field(dh, 5), "definition levels length", page);
        const repLength = int(field(dh, 6), "repetition levels length", page);
        if (repLength + defLength > body.length || repLength + defLength > size) throw new Error("its level sections run past the page");
        if (!known?.(body.subarray(0, repLength + defLength), levels, rows, repLength)) {
          if (plan.maxRep > 0) rep = levelsOf(body, 0, repLength, repWidth, levels, "rep");
          if (plan.maxDef > 0) def = levelsOf(body, repLength, repLength + defLength, defWidth, levels, "def");
        }
        const rest = body.subarray(repLength + defLength);
        const compressed = field(dh, 7) !== false;
        const valuesSize = size - repLength - defLength;
        // A page of nulls only may store no bytes at all for its values, not even an empty frame.
        values = valuesSize === 0 && rest.length === 0 ? rest : compressed ? decompress(chunk.codec, rest, valuesSize) : rest;
      } else {
        const raw = decompress(chunk.codec, body, size);
        let p = known ? knownLevels(raw, plan, dh, levels, rows, known) : -1;
        if (p >= 0) {
          values = raw.subarray(p);
        } else {
          p = 0;
          if (plan.maxRep > 0) {
            if (num(field(dh, 4)) !== Encoding.RLE) throw new NeedsFallback("repetition levels not RLE");
            [rep, p] = prefixedLevels(raw, p, repWidth, levels, "rep");
          }
          if (plan.maxDef > 0) {
            if (num(field(dh, 3)) !== Encoding.RLE) throw new NeedsFallback("definition levels not RLE");
            [def, p] = prefixedLevels(raw, p, defWidth, levels, "def");
          }
          values = raw.subarray(p);
        }
      }
    } catch (error) {
      if (error instanceof NeedsFallback || error instanceof PageError) throw error;
      throw new PageError(page, (error as Error).message);
    }
    const started = visit({ page, levels, rep, def, firstRow: rows, encoding, values }, dictionary);
    if (started < 0) return -1;
    rows += started;
  }
  return rows;
}

function inflate(codec: number, body: Uint8Array, size: number, page: number): Uint8Array {
  try {
    return decompress(codec, body, size);
  } catch (error) {
    throw new PageError(page, (error as Error).message);
  }
}

function checkCrc(body: Uint8Array, crc: number | undefined, page: number): void {
  const bad = crcMismatch(body, crc);
  if (bad) throw new PageError(page, bad);
}

function levelsOf(src: Uint8Array, start: number, end: number, width: number, count: number, which: "rep" | "def"): Uint8Array {
  const out = scratch(which, count);
  decodeLevels(src, start, end, width, out, count);
  return out;
}

/**
 * Where a v1 page's values start when `known` knows its levels (both sections RLE, their lengths
 * within the page), else -1: the levels are then decoded, with the errors that gives.
 */
function knownLevels(raw: Uint8Array, plan: LeafPlan, dh: ThriftValue | undefined, levels: number, rows: number, known: LevelsKnown): number {
  let p = 0;
  for (const [max, encodingField] of [
    [plan.maxRep, 4],
    [plan.maxDef, 3],
  ] as const) {
    if (max === 0) continue;
    if (num(field(dh, encodingField)) !== Encoding.RLE || p + 4 > raw.length) return -1;
    const length = (raw[p]! | (raw[p + 1]! << 8) | (raw[p + 2]! << 16) | (raw[p + 3]! << 24)) >>> 0;
    if (p + 4 + length > raw.length) return -1;
    p += 4 + length;
  }
  return known(raw.subarray(0, p), levels, rows, -1) ? p : -1;
}

/** Data page v1 levels: a 4-byte length, then the hybrid runs. */
function prefixedLevels(raw: Uint8Array, p: number, width: number, count: number, which: "rep" | "def"): [Uint8Array, number] {
  if (p + 4 > raw.length) throw new Error("its levels end early");
  const length = (raw[p]! | (raw[p + 1]! << 8) | (raw[p + 2]! << 16) | (raw[p + 3]! << 24)) >>> 0;
  if (p + 4 + length > raw.length) throw new Error(`its levels (${length} bytes) run past the page`);
  return [levelsOf(raw, p + 4, p + 4 + length, width, count, which), p + 4 + length];
}
