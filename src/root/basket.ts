import { decompressBasket } from "./compression/index.js";
import { Cursor } from "./cursor.js";
import { RootError } from "./errors.js";
import { readKey } from "./key.js";
import type { FileSource } from "./source.js";
import type { BranchModel } from "./ttree.js";

/** Where one basket of a branch is and which entries it holds. */
export interface BasketRef {
  index: number;
  entryStart: number;
  entryStop: number;
  /** Out-of-line basket: its key's file offset and total size; -1 for embedded baskets. */
  seek: number;
  bytes: number;
}

/** A basket's uncompressed data region and, when written, its entry byte offsets. */
export interface RawBasket {
  nevbuf: number;
  data: Uint8Array;
  /** nevbuf + 1 byte offsets into `data`, or null when entries have no offset table. */
  offsets: Int32Array | null;
}

/** The baskets of a branch in entry order: out-of-line ones (stopping at a zero seek), then embedded ones. */
export function basketRefs(branch: BranchModel, where: string): BasketRef[] {
  const refs: BasketRef[] = [];
  let n = 0;
  while (n < branch.writeBasket && n < branch.basketSeek.length && branch.basketSeek[n]! > 0) n++;
  for (let i = 0; i < n; i++) {
    const entryStart = branch.basketEntry[i]!;
    const entryStop = i + 1 < branch.basketEntry.length ? branch.basketEntry[i + 1]! : branch.entries;
    refs.push({ index: i, entryStart, entryStop, seek: branch.basketSeek[i]!, bytes: branch.basketBytes[i]! });
  }
  let start = n > 0 ? refs[n - 1]!.entryStop : 0;
  for (const [k, e] of branch.embedded.entries()) {
    refs.push({ index: n + k, entryStart: start, entryStop: start + e.nevbuf, seek: -1, bytes: 0 });
    start += e.nevbuf;
  }
  for (const r of refs) {
    if (r.entryStop < r.entryStart || r.entryStart < 0) {
      throw new RootError(`${where}: basket ${r.index} has a corrupt entry range [${r.entryStart}, ${r.entryStop})`);
    }
  }
  return refs;
}

/** The fixed fields of a basket's TKey; its class, name and title strings are not needed. */
function readBasketKey(c: Cursor): { nbytes: number; objlen: number; keylen: number } {
  const nbytes = c.i32();
  c.skip(2); // fVersion
  const objlen = c.i32();
  c.skip(4); // fDatime
  const keylen = c.i16();
  if (nbytes < 0 || objlen < 0) throw new RootError(`${c.where}: key has negative sizes (fNbytes ${nbytes}, fObjlen ${objlen})`);
  return { nbytes, objlen, keylen };
}

/**
 * Reads one out-of-line basket: key, basket header, decompressed payload, offset table.
 * `prefetched` is the basket's `ref.bytes` bytes when a coalesced read already fetched them.
 */
export async function readBasket(source: FileSource, ref: BasketRef, where: string, prefetched?: Uint8Array): Promise<RawBasket> {
  const file = prefetched ?? (await source.read(ref.seek, ref.bytes, `basket ${ref.index} of ${where}`));
  const c = new Cursor(file, `${source.name}: ${where}, basket ${ref.index} (offset ${ref.seek})`);
  const key = readBasketKey(c);
  if (key.keylen < 19 || key.keylen > ref.bytes || key.nbytes !== ref.bytes) {
    throw new RootError(`${c.where}: key does not match the branch (fNbytes ${key.nbytes}, fKeylen ${key.keylen}, expected ${ref.bytes} bytes)`);
  }
  // fNevBuf, fLast and the flag are the last 9 bytes of the key header whether or not the
  // IOBits byte of kGenerateOffsetMap baskets is present.
  c.pos = key.keylen - 9;
  const nevbuf = c.i32();
  const last = c.i32();
  const border = last - key.keylen;
  if (nevbuf !== ref.entryStop - ref.entryStart || border < 0 || border > key.objlen) {
    throw new RootError(
      `${c.where}: basket header is corrupt (fNevBuf ${nevbuf} for ${ref.entryStop - ref.entryStart} entries, fLast ${last}, fObjlen ${key.objlen})`,
    );
  }
  const stored = file.subarray(key.keylen);
  const payload = stored.length === key.objlen ? stored : await decompressBasket(stored, key.objlen, c.where);
  const data = payload.subarray(0, border);
  let offsets: Int32Array | null = null;
  if (border < key.objlen) {
    const t = new Cursor(payload, `${c.where}: entry offset table`, border);
    const count = t.i32();
    if (count !== nevbuf + 1 && count !== nevbuf) {
      throw new RootError(`${t.where}: holds ${count} offsets for ${nevbuf} entries`);
    }
    t.skip(4 * nevbuf);
    offsets = new Int32Array(nevbuf + 1);
    const dv = t.view;
    let prev = 0;
    for (let i = 0, at = border + 4; i < nevbuf; i++, at += 4) {
      const o = dv.getInt32(at) - key.keylen;
      if (o < prev || o > border) throw new RootError(`${t.where}: offset ${o} of entry ${i} is out of order or past the data`);
      offsets[i] = prev = o;
    }
    offsets[nevbuf] = border;
  }
  return { nevbuf, data, offsets };
}

const CODECS: Record<string, string> = { ZL: "zlib", L4: "lz4", ZS: "zstd", XZ: "lzma", CS: "old-root" };

/** The compression of one out-of-line basket, from its first block header ("none" when stored raw). */
export async function basketCodec(source: FileSource, ref: BasketRef, where: string): Promise<string> {
  const head = await source.read(ref.seek, Math.min(ref.bytes, 1024), `basket ${ref.index} of ${where}`);
  const c = new Cursor(head, `${source.name}: ${where}, basket ${ref.index}`);
  const key = readKey(c);
  if (key.nbytes - key.keylen === key.objlen || key.keylen + 2 > head.length) return "none";
  const magic = String.fromCharCode(head[key.keylen]!, head[key.keylen + 1]!);
  return CODECS[magic] ?? `unknown (${JSON.stringify(magic)})`;
}
