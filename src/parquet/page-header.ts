import { crc32 } from "node:zlib";
import { ThriftReader, ThriftTruncated, type ThriftStruct } from "./thrift.js";

// Field ids of parquet.thrift's PageHeader.
const PAGE_COMPRESSED_SIZE = 3;
export const PAGE_CRC = 4;

/** A page header as stored before each page's (compressed) bytes. */
export interface PageHeader {
  header: ThriftStruct;
  /** Bytes of the encoded header. */
  length: number;
  /** Bytes of the page after its header. */
  compressedSize: number;
  /** The CRC-32 of those bytes as the writer stored it (a signed 32-bit integer), if it did. */
  crc: number | undefined;
}

/**
 * The page header at `at`. Throws ThriftTruncated when the bytes end inside it, and an Error
 * naming `where` when it is not a page header.
 */
export function readPageHeader(bytes: Uint8Array, at: number, where: string): PageHeader {
  const reader = new ThriftReader(bytes.subarray(at), where, "page header");
  const header = reader.struct();
  const size = header.get(PAGE_COMPRESSED_SIZE);
  if (typeof size !== "number" || size < 0) throw new Error(`${where}: corrupt page header (no compressed page size)`);
  const crc = header.get(PAGE_CRC);
  return { header, length: reader.position, compressedSize: size, crc: typeof crc === "number" ? crc : undefined };
}

/** The CRC-32 of a page's bytes as Parquet stores it: a signed 32-bit integer. */
export function pageCrc(bytes: Uint8Array): number {
  return crc32(bytes) | 0;
}

/**
 * Checks the pages of one column chunk (or a run of whole pages of one), `bytes` starting at a
 * page header: every page that stores a CRC must match it. `where(page)` names a page for errors.
 * Returns the pages that had a CRC.
 */
export function checkPages(bytes: Uint8Array, where: (page: number) => string): number {
  let at = 0;
  let checked = 0;
  for (let page = 0; at < bytes.length; page++) {
    const { header, start, end } = pageAt(bytes, at, where(page));
    const bad = crcMismatch(bytes.subarray(start, end), header.crc);
    if (bad) throw new Error(`${where(page)}: ${bad}`);
    if (header.crc !== undefined) checked++;
    at = end;
  }
  return checked;
}

/**
 * The page whose header starts at `at` of a column chunk's `bytes`, with where its bytes start
 * and end; an Error naming `where` when the header or the page runs past the chunk.
 */
export function pageAt(bytes: Uint8Array, at: number, where: string): { header: PageHeader; start: number; end: number } {
  let header: PageHeader;
  try {
    header = readPageHeader(bytes, at, where);
  } catch (error) {
    if (error instanceof ThriftTruncated) throw new Error(`${where}: corrupt page header (it runs past the column chunk)`);
    throw error;
  }
  const start = at + header.length;
  const end = start + header.compressedSize;
  if (end > bytes.length) throw new Error(`${where}: corrupt page header (a page of ${header.compressedSize} bytes runs past the column chunk)`);
  return { header, start, end };
}

/** Why a page's bytes fail the CRC its header stored; undefined when they match or none was stored. */
export function crcMismatch(body: Uint8Array, crc: number | undefined): string | undefined {
  if (crc === undefined) return undefined;
  const actual = pageCrc(body);
  return actual === crc ? undefined : `page CRC mismatch (stored ${hex(crc)}, computed ${hex(actual)}): the page's bytes are corrupt`;
}

function hex(crc: number): string {
  return `0x${(crc >>> 0).toString(16).padStart(8, "0")}`;
}
