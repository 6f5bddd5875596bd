/**
 * Version 1 B-tree chunk index ("TREE", node type 1). Chunks only ever split along the first
 * dimension here, so chunk i sits at element offset [i * chunkRows, 0, ...]. Nodes are written at
 * full capacity (2K = 64 entries) because libhdf5 reads and later extends them at that size.
 */

import { setU64, UNDEFINED_ADDRESS } from "./byte-writer.js";

/** Entries per node: 2K with the default indexed-storage K of 32 (superblock v2 has no K field). */
export const BTREE_FANOUT = 64;

export interface ChunkIndex {
  count: number;
  addresses: Float64Array;
  sizes: Uint32Array;
  masks: Uint32Array;
}

/** Appends bytes at the end of the file and returns their address. */
export type AppendBytes = (bytes: Uint8Array) => number;

/** Grows a chunk index by one entry (amortised doubling). */
export function pushChunk(index: ChunkIndex, address: number, size: number, mask: number): void {
  if (index.count === index.addresses.length) {
    const cap = Math.max(16, index.count * 2);
    const a = new Float64Array(cap); a.set(index.addresses);
    const s = new Uint32Array(cap); s.set(index.sizes);
    const m = new Uint32Array(cap); m.set(index.masks);
    index.addresses = a; index.sizes = s; index.masks = m;
  }
  index.addresses[index.count] = address;
  index.sizes[index.count] = size;
  index.masks[index.count] = mask;
  index.count++;
}

export function emptyChunkIndex(): ChunkIndex {
  return { count: 0, addresses: new Float64Array(0), sizes: new Uint32Array(0), masks: new Uint32Array(0) };
}

/**
 * Writes the B-tree bottom-up and returns the root address (undefined address if no chunk).
 * `chunkDims` are the layout's dimensions: the chunk shape plus the element size.
 */
export function writeChunkBTree(index: ChunkIndex, chunkDims: number[], append: AppendBytes, endOfFile: () => number): number {
  if (index.count === 0) return UNDEFINED_ADDRESS;
  const nd = chunkDims.length;
  const keySize = 8 + 8 * nd;
  const nodeSize = 24 + (BTREE_FANOUT + 1) * keySize + BTREE_FANOUT * 8;
  const chunkRows = chunkDims[0];

  const writeKey = (view: DataView, pos: number, chunk: number): void => {
    view.setUint32(pos, index.sizes[chunk], true);
    view.setUint32(pos + 4, index.masks[chunk], true);
    setU64(view, pos + 8, chunk * chunkRows);
    for (let d = 1; d < nd; d++) setU64(view, pos + 8 + 8 * d, 0);
  };
  // Upper bound after the last chunk: its offsets plus the chunk dims, element size included.
  const writeEndKey = (view: DataView, pos: number): void => {
    view.setUint32(pos, 0, true);
    view.setUint32(pos + 4, 0, true);
    setU64(view, pos + 8, index.count * chunkRows);
    for (let d = 1; d < nd; d++) setU64(view, pos + 8 + 8 * d, chunkDims[d]);
  };

  // firstChunk[i]: the first chunk covered by child i of the level being built.
  let firstChunk: number[] = [];
  for (let i = 0; i < index.count; i++) firstChunk.push(i);
  let childAddress = (i: number): number => index.addresses[i];
  let level = 0;
  for (;;) {
    const nodes = Math.ceil(firstChunk.length / BTREE_FANOUT);
    // The nodes of one level are appended back to back, so sibling addresses are known up front.
    const base = endOfFile();
    const nextFirst: number[] = [];
    const nextAddresses: number[] = [];
    // Written in batches so that millions of chunks never need one huge buffer.
    const batchNodes = 256;
    for (let n0 = 0; n0 < nodes; n0 += batchNodes) {
      const nb = Math.min(batchNodes, nodes - n0);
      const buf = new Uint8Array(nb * nodeSize);
      const view = new DataView(buf.buffer);
      for (let j = 0; j < nb; j++) {
        const n = n0 + j;
        const p0 = j * nodeSize;
        const from = n * BTREE_FANOUT;
        const to = Math.min(from + BTREE_FANOUT, firstChunk.length);
        buf.set([0x54, 0x52, 0x45, 0x45, 1, level], p0);
        view.setUint16(p0 + 6, to - from, true);
        setU64(view, p0 + 8, n === 0 ? UNDEFINED_ADDRESS : base + (n - 1) * nodeSize);
        setU64(view, p0 + 16, n === nodes - 1 ? UNDEFINED_ADDRESS : base + (n + 1) * nodeSize);
        let pos = p0 + 24;
        for (let c = from; c < to; c++) {
          writeKey(view, pos, firstChunk[c]);
          setU64(view, pos + keySize, childAddress(c));
          pos += keySize + 8;
        }
        // The right bound is the next node's first key, or the end key for the last node.
        if (to < firstChunk.length) writeKey(view, pos, firstChunk[to]);
        else writeEndKey(view, pos);
        nextFirst.push(firstChunk[from]);
        nextAddresses.push(base + n * nodeSize);
      }
      append(buf);
    }
    if (nodes === 1) return base;
    firstChunk = nextFirst;
    childAddress = (i: number): number => nextAddresses[i];
    level++;
  }
}
