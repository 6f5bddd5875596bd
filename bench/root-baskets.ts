/**
 * The stored baskets of chosen branches, located from the tree metadata (JSROOT's parse of it,
 * independent of sxflow's reader) and read straight from the file: used to count the
 * uncompressed megabytes a read decodes and to time decompression alone.
 */
import { readFileSync } from "node:fs";
import type { JsrootBranch, JsrootTree } from "./root-jsroot.js";

export interface StoredBasket {
  branch: string;
  /** Payload as stored: compressed blocks, or raw when its length equals objlen. */
  payload: Uint8Array;
  objlen: number;
}

function findBranch(list: JsrootBranch[], name: string): JsrootBranch | undefined {
  for (const b of list) {
    if (b.fName === name) return b;
    const inner = findBranch(b.fBranches?.arr ?? [], name);
    if (inner) return inner;
  }
  return undefined;
}

/** Out-of-line baskets of `branches` (embedded baskets are few and small, and not counted). */
export function storedBaskets(file: string, tree: JsrootTree, branches: string[]): StoredBasket[] {
  const bytes = readFileSync(file);
  const out: StoredBasket[] = [];
  for (const name of branches) {
    const b = findBranch(tree.fBranches.arr, name);
    if (!b) throw new Error(`${file}: branch ${name} not in the tree metadata`);
    for (let i = 0; i < b.fWriteBasket; i++) {
      const seek = b.fBasketSeek[i]!;
      const nbytes = bytes.readInt32BE(seek);
      const objlen = bytes.readInt32BE(seek + 6);
      const keylen = bytes.readInt16BE(seek + 14);
      out.push({ branch: name, payload: new Uint8Array(bytes.buffer, bytes.byteOffset + seek + keylen, nbytes - keylen), objlen });
    }
  }
  return out;
}

/** "zlib", "lz4+raw", ...: the algorithms the baskets really use (not the declared fCompress). */
export function codecsOf(baskets: StoredBasket[]): string {
  const names: Record<string, string> = { ZL: "zlib", L4: "lz4", ZS: "zstd", XZ: "lzma", CS: "old" };
  const seen = new Set<string>();
  for (const b of baskets) {
    if (b.payload.length === b.objlen) seen.add("raw");
    else seen.add(names[String.fromCharCode(b.payload[0]!, b.payload[1]!)] ?? "?");
  }
  return [...seen].sort((a, b) => (a === "raw" ? 1 : b === "raw" ? -1 : a.localeCompare(b))).join("+");
}
