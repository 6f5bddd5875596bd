import type { ByteRange, ByteSource } from "../sources/byte-source.js";
import type { HttpSourceOptions } from "../sources/http-bytes.js";
import { openByteSource } from "../sources/open-bytes.js";

/**
 * The part of a `Blob` that parquet-wasm's `ParquetFile.fromFile` uses (`size`, then
 * `slice(start, end).arrayBuffer()` per column chunk), served by a ByteSource: positioned reads
 * on a local file (Node's file-backed Blob streams each slice through the libuv pool in small
 * chunks, measured at about 6x the CPU time of one positioned read per slice), or range requests
 * over HTTP.
 */
export interface FileSlices {
  readonly size: number;
  /** The file is read over the network (worth announcing reads ahead). */
  readonly remote: boolean;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
  /** Bytes [start, end). */
  read(start: number, end: number): Promise<Uint8Array<ArrayBuffer>>;
  /** Column chunks about to be read: a remote file fetches them ahead, coalesced. */
  willNeed(ranges: readonly ByteRange[]): void;
  close(): void;
}

/** A view as a Uint8Array over exactly its own ArrayBuffer, copying only when it is a part of a larger one. */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? (bytes as Uint8Array<ArrayBuffer>)
    : bytes.slice();
}

export async function openFileSlices(location: string, http?: HttpSourceOptions): Promise<FileSlices> {
  const source: ByteSource = await openByteSource(location, http);
  const sync = source.readSync?.bind(source);
  const read = async (start: number, end: number): Promise<Uint8Array<ArrayBuffer>> => {
    const length = Math.max(0, end - start);
    try {
      return own(sync ? sync(start, length) : await source.read(start, length));
    } catch (error) {
      throw new Error(`${source.location}: reading bytes ${start}-${end} failed: ${(error as Error).message}`);
    }
  };
  return {
    size: source.size,
    remote: source.willNeed !== undefined,
    slice: (start, end) => ({ arrayBuffer: async () => (await read(start, end)).buffer }),
    read,
    willNeed: (ranges) => source.willNeed?.(ranges),
    close: () => void source.close(),
  };
}
