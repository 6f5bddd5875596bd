import { Cursor } from "./cursor.js";
import { RootError } from "./errors.js";
import { readKey, type Key } from "./key.js";
import type { FileSource } from "./source.js";

/** Where a directory's key list lives (the TDirectory record). */
export interface DirectoryRecord {
  seekKeys: number;
  nbytesKeys: number;
}

/** Parses a TDirectory record; small and big-file layouts differ by the version. */
export function readDirectoryRecord(c: Cursor): DirectoryRecord {
  const version = c.i16();
  c.skip(8); // fDatimeC, fDatimeM
  const nbytesKeys = c.i32();
  c.skip(4); // fNbytesName
  const big = version > 1000;
  if (big) {
    c.i64();
    c.i64();
  } else {
    c.i32();
    c.i32();
  }
  const seekKeys = big ? c.i64() : c.i32();
  return { seekKeys, nbytesKeys };
}

/** Reads the key list of a directory: one header key, `nkeys`, then the keys. */
export async function readKeyList(source: FileSource, dir: DirectoryRecord, where: string): Promise<Key[]> {
  if (dir.seekKeys <= 0 || dir.nbytesKeys <= 0) {
    throw new RootError(`${source.name}: ${where} has no key list (fSeekKeys ${dir.seekKeys}, fNbytesKeys ${dir.nbytesKeys})`);
  }
  const bytes = await source.read(dir.seekKeys, dir.nbytesKeys, `key list of ${where}`);
  const c = new Cursor(bytes, `${source.name}: key list of ${where}`);
  readKey(c);
  const n = c.i32();
  if (n < 0 || n * 26 > c.remaining) throw new RootError(`${c.where}: corrupt key count ${n}`);
  const keys: Key[] = [];
  for (let i = 0; i < n; i++) keys.push(readKey(c));
  return keys;
}
