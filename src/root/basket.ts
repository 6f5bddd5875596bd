import { decompressBasket, decompressBasketSync } from "./compression/index.js";
import { Cursor } from "./cursor.js";
import { RootError } from "./errors.js";
import { readKey } from "./key.js";
import { scratchCopy, scratchInt32 } from "./scratch.js";
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

/**
 * The baskets of a branch in entry order, as uproot counts them: out-of-line ones (the first
 * fWriteBasket, stopping at a zero seek), then the embedded ones, which count only when the
 * out-of-line baskets end before the branch's fEntries (otherwise they repeat flushed entries).
 */
export function basketRefs(branch: BranchModel, where: string | (() => string)): BasketRef[] {
  const refs: BasketRef[] = [];
  let n = 0;
  while (n < branch.writeBasket && n < branch.basketSeek.length && branch.basketSeek[n]! > 0) n++;
  for (let i = 0; i < n; i++) {
    const entryStart = branch.basketEntry[i]!;
    const entryStop = i + 1 < branch.basketEntry.length ? branch.basketEntry[i + 1]! : branch.entries;
    refs.push({ index: i, entryStart, entryStop, seek: branch.basketSeek[i]!, bytes: branch.basketBytes[i]! });
  }
  let start = n > 0 ? refs[n - 1]!.entryStop : 0;
  if (start !== branch.entries) {
    for (const [k, e] of branch.embedded.entries()) {
      refs.push({ index: n + k, entryStart: start, entryStop: start + e.nevbuf, seek: -1, bytes: 0 });
      start += e.nevbuf;
    }
  }
  for (const r of refs) {
    if (r.entryStop < r.entryStart || r.entryStart < 0) {
      throw new RootError(`${typeof where === "string" ? where : where()}: basket ${r.index} has a corrupt entry range [${r.entryStart}, ${r.entryStop})`);
    }
  }
  return refs;
}

function u32be(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/**
 * Where a basket is, for messages: an object rather than a string so that the text is built
 * only when something is wrong (this runs once per basket).
 */
export class BasketPlace {
  constructor(
    /** File, tree and branch, as Tree formats them. */
    readonly branch: string,
    readonly index: number,
    readonly seek: number,
  ) {}

  toString(): string {
    return `${this.branch}, basket ${this.index}${this.seek >= 0 ? ` (offset ${this.seek})` : ""}`;
  }
}

/** A basket's key and header, read from its bytes; the payload may still be compressed. */
interface BasketHead {
  nevbuf: number;
  keylen: number;
  objlen: number;
  /** Bytes of entry data before the offset table (fLast - fKeylen). */
  border: number;
  stored: Uint8Array;
}

/** Reads and checks a basket's key and header from its `ref.bytes` bytes of file. */
function basketHead(file: Uint8Array, ref: BasketRef, where: BasketPlace): BasketHead {
  // Key fields are read by hand (no Cursor, no message strings) because this runs once per basket.
  if (file.length < 18 || file.length !== ref.bytes) {
    throw new RootError(`${where}: basket key truncated (${file.length} bytes of ${ref.bytes})`);
  }
  const nbytes = u32be(file, 0) | 0;
  const objlen = u32be(file, 6) | 0;
  const keylen = ((file[14]! << 24) | (file[15]! << 16)) >> 16;
  if (nbytes < 0 || objlen < 0) throw new RootError(`${where}: key has negative sizes (fNbytes ${nbytes}, fObjlen ${objlen})`);
  if (keylen < 19 || keylen > ref.bytes || nbytes !== ref.bytes) {
    throw new RootError(`${where}: key does not match the branch (fNbytes ${nbytes}, fKeylen ${keylen}, expected ${ref.bytes} bytes)`);
  }
  // fNevBuf, fLast and the flag are the last 9 bytes of the key header whether or not the
  // IOBits byte of kGenerateOffsetMap baskets is present.
  const nevbuf = u32be(file, keylen - 9) | 0;
  const last = u32be(file, keylen - 5) | 0;
  const border = last - keylen;
  if (nevbuf !== ref.entryStop - ref.entryStart || border < 0 || border > objlen) {
    throw new RootError(
      `${where}: basket header is corrupt (fNevBuf ${nevbuf} for ${ref.entryStop - ref.entryStart} entries, fLast ${last}, fObjlen ${objlen})`,
    );
  }
  return { nevbuf, keylen, objlen, border, stored: file.subarray(keylen) };
}

/** Splits a decompressed payload into entry data and the entry offset table, if any. */
function basketBody(head: BasketHead, payload: Uint8Array, where: BasketPlace): RawBasket {
  const { nevbuf, keylen, objlen, border } = head;
  const data = payload.subarray(0, border);
  if (border === objlen) return { nevbuf, data, offsets: null };
  if (border + 4 > payload.length) throw new RootError(`${where}: entry offset table truncated`);
  const count = u32be(payload, border) | 0;
  if (count !== nevbuf + 1 && count !== nevbuf) throw new RootError(`${where}: entry offset table holds ${count} offsets for ${nevbuf} entries`);
  if (border + 4 + 4 * nevbuf > payload.length) throw new RootError(`${where}: entry offset table truncated`);
  // Read, rebase and check the big-endian table in one pass: on baskets of tens of entries this
  // halved the table's cost against a native copy and swap followed by the check (no Buffer view
  // per basket); on thousands of entries the two are alike.
  // Every element is written below.
  const offsets = scratchInt32(nevbuf + 1);
  const table = new DataView(payload.buffer, payload.byteOffset + border + 4, 4 * nevbuf);
  let prev = 0;
  for (let i = 0; i < nevbuf; i++) {
    const o = table.getInt32(4 * i) - keylen;
    if (o < prev || o > border) throw new RootError(`${where}: entry offset table: offset ${o} of entry ${i} is out of order or past the data`);
    offsets[i] = prev = o;
  }
  offsets[nevbuf] = border;
  return { nevbuf, data, offsets };
}

/**
 * The payload of a basket stored without compression: its own bytes, which decoding changes in
 * place, or a copy when `file` is shared (a view of the bytes a FileSource holds).
 */
function storedPayload(head: BasketHead, shared: boolean): Uint8Array {
  return shared ? scratchCopy(head.stored) : head.stored;
}

/**
 * Decodes one out-of-line basket from its `ref.bytes` bytes of file (key, basket header,
 * decompressed payload, offset table) without a promise; undefined when its compression needs
 * an asynchronous decoder (LZMA, zstd before initialisation): use readBasket then. `shared`:
 * `file` must not be changed (see storedPayload).
 */
export function readBasketSync(file: Uint8Array, ref: BasketRef, where: BasketPlace, shared = false): RawBasket | undefined {
  const head = basketHead(file, ref, where);
  const payload = head.stored.length === head.objlen ? storedPayload(head, shared) : decompressBasketSync(head.stored, head.objlen, where);
  return payload && basketBody(head, payload, where);
}

/** readBasketSync for any compression. */
export async function readBasket(file: Uint8Array, ref: BasketRef, where: BasketPlace, shared = false): Promise<RawBasket> {
  const head = basketHead(file, ref, where);
  const payload = head.stored.length === head.objlen ? storedPayload(head, shared) : await decompressBasket(head.stored, head.objlen, where);
  return basketBody(head, payload, where);
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
