import { decompressBasket, decompressBasketSync } from "./compression/index.js";
import { Cursor } from "./cursor.js";
import { RootError } from "./errors.js";
import type { FileSource } from "./source.js";

/** A TKey header: where an object's (possibly compressed) bytes are and what they hold. */
export interface Key {
  nbytes: number;
  version: number;
  objlen: number;
  keylen: number;
  cycle: number;
  seekKey: number;
  seekPdir: number;
  className: string;
  name: string;
  title: string;
}

export function readKey(c: Cursor): Key {
  const nbytes = c.i32();
  const version = c.i16();
  const objlen = c.i32();
  c.skip(4); // fDatime
  const keylen = c.i16();
  const cycle = c.i16();
  const big = version > 1000;
  const seekKey = big ? c.i64() : c.i32();
  const seekPdir = big ? c.i64() : c.i32();
  const className = c.string();
  const name = c.string();
  const title = c.string();
  if (nbytes < 0 || objlen < 0 || keylen < 0) {
    throw new RootError(`${c.where}: key "${name}" has negative sizes (fNbytes ${nbytes}, fObjlen ${objlen}, fKeylen ${keylen})`);
  }
  return { nbytes, version, objlen, keylen, cycle, seekKey, seekPdir, className, name, title };
}

/** Largest TKey header: 18 fixed bytes, two 64-bit seeks, three long strings. */
export const MAX_KEY_HEADER = 18 + 16 + 3 * 260;

/** Reads and decompresses the payload of a key, returning its fObjlen bytes. */
export async function readKeyPayload(source: FileSource, key: Key, what: string): Promise<Uint8Array> {
  const stored = key.nbytes - key.keylen;
  const raw = await source.read(key.seekKey + key.keylen, stored, what);
  if (stored === key.objlen) return raw;
  const where = `${source.name}: ${what}`;
  // Without a promise when no block needs an asynchronous decoder (most metadata is zlib).
  return decompressBasketSync(raw, key.objlen, where) ?? decompressBasket(raw, key.objlen, where);
}

/** Reads a key header at `seek`, where an object of `what` is expected. */
export async function readKeyAt(source: FileSource, seek: number, what: string): Promise<Key> {
  const len = Math.min(MAX_KEY_HEADER, source.size - seek);
  const bytes = await source.read(seek, Math.max(len, 0), `key of ${what}`);
  return readKey(new Cursor(bytes, `${source.name}: key of ${what} at offset ${seek}`));
}
