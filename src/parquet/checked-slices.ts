import type { ChunkRange } from "./chunk-ranges.js";
import type { FileSlices } from "./file-slices.js";
import { checkPages } from "./page-header.js";

/** File slices that check the page CRCs of every whole column chunk parquet-wasm reads. */
export interface CheckedSlices extends FileSlices {
  /**
   * The first check that failed. parquet-wasm turns the failed read into a trap (a Rust panic),
   * which tells nothing: the reader reports this instead.
   */
  readonly failure: Error | undefined;
}

/**
 * Wraps `slices` so that a read covering whole column chunks (parquet-wasm reads one chunk per
 * slice) checks each page that stores a CRC before the decoder sees it. `chunks` are the file's
 * column chunks, from its footer.
 */
export function checkedSlices(slices: FileSlices, chunks: readonly ChunkRange[], path: string): CheckedSlices {
  const sorted = [...chunks].sort((a, b) => a.offset - b.offset);
  let failure: Error | undefined;
  const check = (start: number, bytes: Uint8Array): void => {
    const end = start + bytes.length;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.offset < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < sorted.length && sorted[i]!.offset + sorted[i]!.length <= end; i++) {
      const c = sorted[i]!;
      const at = c.offset - start;
      checkPages(bytes.subarray(at, at + c.length), (page) => `${path}: row group ${c.rowGroup}, column "${c.column}", page ${page}`);
    }
  };
  return {
    ...slices,
    get failure() {
      return failure;
    },
    slice: (start, end) => ({
      arrayBuffer: async () => {
        const bytes = await slices.read(start, end);
        try {
          check(start, bytes);
        } catch (error) {
          failure ??= error as Error;
          throw error;
        }
        return bytes.buffer;
      },
    }),
  };
}
