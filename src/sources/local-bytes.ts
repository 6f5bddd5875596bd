import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import type { ByteRange, ByteSource } from "./byte-source.js";

/**
 * Where openHeld reads: a slab shared by the opens of the thread, each keeping a view of the
 * bytes it holds and leaving the rest of its read to the next open. No ArrayBuffer and no copy
 * per open (an allocation of the file's size and a copy into it cost as much as the read on a
 * file of a few kilobytes); a full slab is dropped and freed once the views into it are.
 */
let slab = new Uint8Array(0);
let used = 0;
const SLAB_BYTES = 1024 * 1024;
/** openHeld's first read: a file shorter than this is known whole from it. */
const PROBE_BYTES = 64 * 1024;
/** What openHeld keeps of a file it does not hold whole: its header. */
const HEAD_BYTES = 4096;

/** Baskets or column chunks closer than this are read in one positioned read (page cache). */
const LOCAL_GAP = 64 * 1024;

/**
 * A local file read with synchronous positioned reads: the bytes are normally in the page cache,
 * and each round trip through libuv's thread pool cost more than the read itself (measured: up to
 * a fifth of a small ROOT file's read time, and about 6x the CPU time of a Blob slice in Parquet).
 */
export class LocalByteSource implements ByteSource {
  readonly name: string;
  readonly coalesceGap = LOCAL_GAP;
  /** -1 once closed, so a read after close fails clearly instead of reading a reused descriptor. */
  private fd: number;

  private constructor(
    fd: number,
    readonly location: string,
    readonly size: number,
  ) {
    this.fd = fd;
    this.name = basename(location);
  }

  /** Opens `path`; errors carry the system's code and message. */
  static open(path: string): LocalByteSource {
    const fd = openSync(path, "r");
    try {
      return new LocalByteSource(fd, path, fstatSync(fd).size);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /**
   * Opens `path` holding its bytes in memory when the file has at most `wholeUpTo` bytes (later
   * reads are then copies instead of system calls), else its first 4 KiB (a format's header). A
   * format whose header records the file's length spares the fstat: when the first read stops
   * short exactly at the length `declaredSize` finds, those bytes are the whole file.
   */
  static openHeld(
    path: string,
    wholeUpTo: number,
    declaredSize: (head: Uint8Array) => number | undefined,
  ): { source: LocalByteSource; head: Uint8Array<ArrayBuffer> } {
    const fd = openSync(path, "r");
    try {
      const probe = Math.min(wholeUpTo, PROBE_BYTES) + 1;
      if (slab.length - used < probe) {
        slab = new Uint8Array(Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, probe)).buffer);
        used = 0;
      }
      const n = readSync(fd, slab, used, probe, 0);
      const size = n < probe && declaredSize(slab.subarray(used, used + n)) === n ? n : fstatSync(fd).size;
      const held = Math.min(size, size <= wholeUpTo ? size : HEAD_BYTES);
      if (held <= n) {
        const head = new Uint8Array(slab.buffer, used, held);
        used = (used + held + 7) & ~7;
        return { source: new LocalByteSource(fd, path, size), head };
      }
      // Held whole but longer than the first read (a larger wholeUpTo, or a short read).
      const head = new Uint8Array(Buffer.allocUnsafeSlow(held).buffer, 0, held);
      head.set(slab.subarray(used, used + n));
      for (let done = n; done < held; ) {
        const k = readSync(fd, head, done, held - done, done);
        if (k === 0) throw new Error(`unexpected end of file at byte ${done} of ${size} (was the file truncated?)`);
        done += k;
      }
      return { source: new LocalByteSource(fd, path, size), head };
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  readSync(offset: number, length: number): Uint8Array<ArrayBuffer> {
    if (this.fd < 0) throw new Error("the file is closed");
    // Not zero-filled (the loop below writes every byte or throws), and an ArrayBuffer of its own
    // at offset 0, which callers may hand on whole (Parquet passes `.buffer` to parquet-wasm).
    const out = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw new Error(`unexpected end of file at byte ${offset + done} (reading bytes ${offset}-${offset + length}; was the file truncated?)`);
      done += n;
    }
    return out;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.readSync(offset, length);
  }

  async readRanges(ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
    return ranges.map((r) => this.readSync(r.offset, r.length));
  }

  async close(): Promise<void> {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    closeSync(fd);
  }
}
