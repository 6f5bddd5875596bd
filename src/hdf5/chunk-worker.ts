/** Piscina worker: encodes one chunk; result = encoded bytes followed by the u32 filter mask. */

import { move } from "piscina";
import { encodeChunk, type ChunkFilters } from "./chunk-encoder.js";

export interface ChunkTask {
  raw: Uint8Array;
  filters: ChunkFilters;
}

export default function encode(task: ChunkTask): ArrayBuffer {
  const { data, mask } = encodeChunk(task.raw, task.filters);
  const out = new Uint8Array(data.length + 4);
  out.set(data);
  new DataView(out.buffer).setUint32(data.length, mask, true);
  return move(out.buffer) as ArrayBuffer;
}
