import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/**
 * The part of a `Blob` that parquet-wasm's `ParquetFile.fromFile` uses (`size`, then
 * `slice(start, end).arrayBuffer()` per column chunk), served by positioned reads on a file
 * descriptor. Node's file-backed Blob streams each slice through the libuv pool in small chunks:
 * measured at about 6x the CPU time of one positioned read per slice, work that lands on other
 * threads and competes with the pipeline's workers.
 */
export interface FileSlices {
  readonly size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
  /** Bytes [start, end), read now. */
  read(start: number, end: number): Uint8Array<ArrayBuffer>;
  close(): void;
}

export function openFileSlices(path: string): FileSlices {
  const fd = openSync(path, "r");
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let open = true;
  const read = (start: number, end: number): Uint8Array<ArrayBuffer> => {
    if (!open) throw new Error(`${path}: read after the file was closed`);
    const bytes = new Uint8Array(Math.max(0, end - start));
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(fd, bytes, done, bytes.length - done, start + done);
      if (n === 0) throw new Error(`${path}: unexpected end of file at byte ${start + done} (reading bytes ${start}-${end}; was the file truncated?)`);
      done += n;
    }
    return bytes;
  };
  return {
    size,
    slice: (start, end) => ({ arrayBuffer: async () => read(start, end).buffer }),
    read,
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
