/**
 * Chunk encoding: a pure function of the chunk bytes and the filter settings, so it can run in
 * any thread while a single writer orders the results in the file.
 */

import { ByteWriter } from "./byte-writer.js";
import { deflate } from "./filters/deflate.js";
import { lzfCompress } from "./filters/lzf.js";
import { shuffle } from "./filters/shuffle.js";

export type Compression = "none" | "lzf" | { deflate: number };

export interface ChunkFilters {
  /** Record size in bytes when the shuffle filter is on, 0 when off. */
  shuffle: number;
  compression: Compression;
}

export interface EncodedChunk {
  data: Uint8Array;
  /** Filter mask of the chunk key: bit i set = filter i of the pipeline skipped. */
  mask: number;
}

const FILTER_DEFLATE = 1;
const FILTER_SHUFFLE = 2;
const FILTER_LZF = 32000;
/** h5py's LZF filter client values: filter version 4, liblzf version 1.5, chunk bytes. */
const LZF_FILTER_VERSION = 4;
const LZF_VERSION = 0x0105;

export function encodeChunk(raw: Uint8Array, filters: ChunkFilters): EncodedChunk {
  let data = filters.shuffle > 1 ? shuffle(raw, filters.shuffle) : raw;
  const c = filters.compression;
  if (c === "none") return { data, mask: 0 };
  if (c === "lzf") {
    const packed = lzfCompress(data);
    // Like h5py's optional LZF filter on failure: the chunk is kept as is, the filter skipped.
    if (packed === null) return { data, mask: 1 << (filters.shuffle > 1 ? 1 : 0) };
    return { data: packed, mask: 0 };
  }
  data = deflate(data, c.deflate);
  return { data, mask: 0 };
}

export function validateCompression(c: unknown, where: string): Compression {
  if (c === "none" || c === "lzf") return c;
  if (typeof c === "object" && c !== null && "deflate" in c) {
    const level = (c as { deflate: unknown }).deflate;
    if (typeof level === "number" && Number.isInteger(level) && level >= 0 && level <= 9) return { deflate: level };
    throw new Error(`${where}: deflate level must be an integer 0..9, got ${String(level)}`);
  }
  throw new Error(`${where}: compression must be "none", "lzf" or { deflate: level }, got ${JSON.stringify(c)}`);
}

/** Filter pipeline message v2, or null when no filter applies. */
export function filterPipelineMessage(filters: ChunkFilters, chunkBytes: number): Uint8Array | null {
  const list: { id: number; name?: string; values: number[] }[] = [];
  if (filters.shuffle > 1) list.push({ id: FILTER_SHUFFLE, values: [filters.shuffle] });
  const c = filters.compression;
  if (c === "lzf") list.push({ id: FILTER_LZF, name: "lzf", values: [LZF_FILTER_VERSION, LZF_VERSION, chunkBytes] });
  else if (c !== "none") list.push({ id: FILTER_DEFLATE, values: [c.deflate] });
  if (list.length === 0) return null;
  const w = new ByteWriter();
  w.u8(2).u8(list.length);
  for (const f of list) {
    w.u16(f.id);
    const name = f.name ? new TextEncoder().encode(f.name) : null;
    if (f.id >= 256) w.u16(name ? name.length + 1 : 0);
    w.u16(1).u16(f.values.length); // flags: optional, as h5py registers these filters
    if (name) w.bytes(name).u8(0);
    for (const v of f.values) w.u32(v);
  }
  return w.finish();
}
