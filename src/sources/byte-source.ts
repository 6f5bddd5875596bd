/**
 * Where a reader's bytes come from: a local file (positioned reads) or an HTTP(S) object read with
 * range requests. The ROOT and Parquet readers read through this seam only, so both accept a path
 * or a URL.
 */

/** A half-open byte range [offset, offset + length). */
export interface ByteRange {
  offset: number;
  length: number;
}

export interface ByteSource {
  /** Path, or URL without its query string (never print a signed URL's signature). */
  readonly location: string;
  /** Short name for messages. */
  readonly name: string;
  readonly size: number;
  /**
   * Largest gap between two wanted ranges that is cheaper to read through than to skip with a
   * second read: large for local files, small over a network where bytes are the cost.
   */
  readonly coalesceGap: number;
  /** Bytes [offset, offset + length); the caller checks bounds. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Several ranges at once (remote sources fetch them together); results in the order asked. */
  readRanges(ranges: readonly ByteRange[]): Promise<Uint8Array[]>;
  /** Synchronous reads, for local files only (a read costs less than a trip through libuv). */
  readSync?(offset: number, length: number): Uint8Array;
  /** Ranges the caller will read soon: a remote source fetches them ahead, within a byte budget. */
  willNeed?(ranges: readonly ByteRange[]): void;
  close(): Promise<void>;
}

/** http:// or https:// (S3 presigned URLs included). */
export function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** A URL without its query string and fragment, for messages. */
export function displayUrl(url: string): string {
  const q = url.search(/[?#]/);
  return q < 0 ? url : url.slice(0, q);
}

/**
 * Sorts ranges and merges those closer than `gap` (and not larger than `max` together); each
 * merged range lists the indices of the ranges it holds.
 */
export function coalesce(ranges: readonly ByteRange[], gap: number, max = Infinity): { offset: number; end: number; members: number[] }[] {
  const order = ranges.map((_, i) => i).sort((a, b) => ranges[a]!.offset - ranges[b]!.offset);
  const out: { offset: number; end: number; members: number[] }[] = [];
  for (const i of order) {
    const r = ranges[i]!;
    const last = out[out.length - 1];
    const end = r.offset + r.length;
    if (last && r.offset <= last.end + gap && Math.max(end, last.end) - last.offset <= max) {
      last.end = Math.max(last.end, end);
      last.members.push(i);
    } else {
      out.push({ offset: r.offset, end, members: [i] });
    }
  }
  return out;
}
