import { isUrl, type ByteRange, type ByteSource } from "../sources/byte-source.js";
import type { HttpSourceOptions } from "../sources/http-bytes.js";
import { LocalByteSource } from "../sources/local-bytes.js";
import { openByteSource } from "../sources/open-bytes.js";
import { RootError } from "./errors.js";

/** A range wanted by the reader, and what it holds (for errors). */
export interface WantedRange extends ByteRange {
  what: string;
}

/**
 * A ROOT file's bytes, local or over HTTP (sources/): every read bounds-checked, errors naming the
 * record read. Local files are read synchronously (see LocalByteSource); a remote file's ranges
 * are fetched together and ahead of time.
 */
export class FileSource {
  /** Short name for messages. */
  readonly name: string;

  private constructor(
    private readonly bytes: ByteSource,
    readonly path: string,
    /**
     * Bytes read at open (local files): the whole file when it is small, so that its later reads
     * are copies from memory instead of system calls (opening and reading a small tree otherwise
     * takes 6-8 positioned reads, each dearer than copying the few kilobytes it returns); else
     * its header and the top directory's record that follows it.
     */
    private head: Uint8Array | undefined,
  ) {
    this.name = bytes.name;
  }

  /** Opens a file; a local one of at most `wholeUpTo` bytes is read whole at once (see head). */
  static async open(location: string, http?: HttpSourceOptions, wholeUpTo = 0): Promise<FileSource> {
    try {
      if (isUrl(location) || wholeUpTo <= 0) return new FileSource(await openByteSource(location, http), location, undefined);
      const { source, head } = LocalByteSource.openHeld(location, wholeUpTo, declaredSize);
      return new FileSource(source, location, head);
    } catch (err) {
      const where = isUrl(location) ? "" : ` ${location}`;
      throw new RootError(`cannot open ROOT file${where}: ${(err as Error).message}`);
    }
  }

  get size(): number {
    return this.bytes.size;
  }

  /** Gap between baskets worth reading through rather than splitting a read (see ByteSource). */
  get coalesceGap(): number {
    return this.bytes.coalesceGap;
  }

  private check(offset: number, length: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RootError(`${this.name}: ${what} has an invalid location (offset ${offset}, ${length} bytes)`);
    }
    if (offset + length > this.size) {
      throw new RootError(
        `${this.name}: ${what} at offset ${offset} (${length} bytes) lies outside the file (${this.size} bytes); the file is truncated or corrupt`,
      );
    }
  }

  private failed(err: unknown, offset: number, what: string): RootError {
    return new RootError(`${this.name}: reading ${what} at offset ${offset} failed: ${(err as Error).message}`);
  }

  /**
   * Reads exactly `length` bytes at `offset`; `what` names the record for errors. The bytes may
   * be the source's own (a view of its head): read them, never change them.
   */
  async read(offset: number, length: number, what: string): Promise<Uint8Array> {
    this.check(offset, length, what);
    const head = this.head;
    if (head && offset + length <= head.length) return head.subarray(offset, offset + length);
    try {
      return await this.bytes.read(offset, length);
    } catch (err) {
      throw this.failed(err, offset, what);
    }
  }

  /**
   * Views of ranges that lie in the bytes read at open (small files: all of them), or undefined
   * when one does not: no copy, so read them, never change them.
   */
  heldRanges(ranges: readonly WantedRange[]): Uint8Array[] | undefined {
    const head = this.head;
    if (!head || !ranges.every((r) => r.offset + r.length <= head.length)) return undefined;
    for (const r of ranges) this.check(r.offset, r.length, r.what);
    return ranges.map((r) => head.subarray(r.offset, r.offset + r.length));
  }

  /**
   * Several ranges: synchronously for a local file (the reader decodes right after reading, so
   * an asynchronous read would not overlap with anything), fetched together for a remote one.
   */
  readRanges(ranges: readonly WantedRange[]): Uint8Array[] | Promise<Uint8Array[]> {
    for (const r of ranges) this.check(r.offset, r.length, r.what);
    // Copies from the head, because the reader decodes basket bytes in place.
    const head = this.head;
    if (head && ranges.every((r) => r.offset + r.length <= head.length)) return ranges.map((r) => head.slice(r.offset, r.offset + r.length));
    const sync = this.bytes.readSync?.bind(this.bytes);
    if (sync) {
      return ranges.map((r) => {
        try {
          return sync(r.offset, r.length);
        } catch (err) {
          throw this.failed(err, r.offset, r.what);
        }
      });
    }
    return this.bytes.readRanges(ranges).catch((err: unknown) => {
      throw this.failed(err, ranges[0]?.offset ?? 0, ranges.length === 1 ? ranges[0]!.what : `${ranges[0]?.what} and ${ranges.length - 1} more ranges`);
    });
  }

  /** Whether willNeed() does anything (remote files), so that local reads skip working out the ranges. */
  get fetchesAhead(): boolean {
    return this.bytes.willNeed !== undefined;
  }

  /** Ranges the reader will want next: a remote file fetches them ahead. */
  willNeed(ranges: readonly ByteRange[]): void {
    this.bytes.willNeed?.(ranges);
  }

  async close(): Promise<void> {
    // Reads after close fail as they do for a file not held in memory.
    this.head = undefined;
    await this.bytes.close();
  }
}

/**
 * The length a ROOT file's header records (fEND), if `head` starts with one: "root", fVersion,
 * fBEGIN, then fEND as 32 bits, or 64 bits from version 1000000 on.
 */
function declaredSize(head: Uint8Array): number | undefined {
  if (head.length < 20 || head[0] !== 0x72 || head[1] !== 0x6f || head[2] !== 0x6f || head[3] !== 0x74) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (view.getInt32(4) < 1000000) return view.getInt32(12);
  return view.getUint32(12) * 0x100000000 + view.getUint32(16);
}
