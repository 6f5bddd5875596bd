import { readFileSync } from "node:fs";
import path from "node:path";

/** One TKey record of a ROOT file, found by walking the file's records linearly. */
export interface KeyRecord {
  className: string;
  name: string;
  /** Offset of the key in the file. */
  seek: number;
  /** Payload as stored (compressed unless its length equals objlen). */
  payload: Uint8Array;
  /** Uncompressed payload length (fObjlen). */
  objlen: number;
}

function readString(b: Buffer, p: number): [string, number] {
  let n = b[p]!;
  p++;
  if (n === 255) {
    n = b.readInt32BE(p);
    p += 4;
  }
  return [b.toString("latin1", p, p + n), p + n];
}

/**
 * Every key of a ROOT file, walking records from fBEGIN to fEND (free gaps have a negative
 * fNbytes). Independent of the TTree reader so the codec tests exercise real baskets alone. Good
 * for ROOT-written files; uproot3 leaves stale record lengths, so its files are not walked here.
 */
export function readKeys(file: string): KeyRecord[] {
  const b = readFileSync(file);
  if (b.toString("latin1", 0, 4) !== "root") throw new Error(`${file}: not a ROOT file`);
  const version = b.readInt32BE(4);
  const begin = b.readInt32BE(8);
  const end = version >= 1000000 ? Number(b.readBigInt64BE(12)) : b.readInt32BE(12);
  const keys: KeyRecord[] = [];
  let p = begin;
  while (p + 4 <= Math.min(end, b.length)) {
    const nbytes = b.readInt32BE(p);
    if (nbytes < 0) {
      p -= nbytes;
      continue;
    }
    if (nbytes === 0) break;
    const keyVersion = b.readInt16BE(p + 4);
    const objlen = b.readInt32BE(p + 6);
    const keylen = b.readInt16BE(p + 14);
    const [className, afterClass] = readString(b, p + 18 + (keyVersion > 1000 ? 16 : 8));
    const [name] = readString(b, afterClass);
    keys.push({ className, name, seek: p, objlen, payload: new Uint8Array(b.buffer, b.byteOffset + p + keylen, nbytes - keylen) });
    p += nbytes;
  }
  return keys;
}

export function keysOf(file: string, dir: string): KeyRecord[] {
  return readKeys(path.join(dir, file));
}

export function algorithmOf(k: KeyRecord): string {
  return String.fromCharCode(k.payload[0]!, k.payload[1]!);
}
