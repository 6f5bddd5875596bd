import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { RootError } from "./errors.js";

/** Positioned reads from one file: no whole-file loading, every read bounds-checked. */
export class FileSource {
  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly size: number,
  ) {}

  static async open(filePath: string): Promise<FileSource> {
    let handle: FileHandle;
    try {
      handle = await open(filePath, "r");
    } catch (err) {
      throw new RootError(`cannot open ROOT file ${filePath}: ${(err as Error).message}`);
    }
    const { size } = await handle.stat();
    return new FileSource(handle, filePath, size);
  }

  /** Short name for messages. */
  get name(): string {
    return path.basename(this.path);
  }

  /** Reads exactly `length` bytes at `offset`; `what` names the record for errors. */
  async read(offset: number, length: number, what: string): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RootError(`${this.name}: ${what} has an invalid location (offset ${offset}, ${length} bytes)`);
    }
    if (offset + length > this.size) {
      throw new RootError(
        `${this.name}: ${what} at offset ${offset} (${length} bytes) lies outside the file (${this.size} bytes); the file is truncated or corrupt`,
      );
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.handle.read(out, done, length - done, offset + done));
      } catch (err) {
        throw new RootError(`${this.name}: reading ${what} at offset ${offset} failed: ${(err as Error).message}`);
      }
      if (bytesRead === 0) throw new RootError(`${this.name}: unexpected end of file reading ${what} at offset ${offset}`);
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
