import { open } from "node:fs/promises";
import { displayUrl, isUrl } from "./byte-source.js";
import { openByteSource } from "./open-bytes.js";

export type FileFormat = "root" | "parquet";

/** Reads the first bytes of a file, with a clear error when it cannot be opened. */
export async function readHead(path: string, length: number): Promise<Uint8Array> {
  if (isUrl(path)) return readRemoteHead(path, length);
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new Error(`cannot open ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  } finally {
    await handle.close();
  }
}

async function readRemoteHead(url: string, length: number): Promise<Uint8Array> {
  try {
    const source = await openByteSource(url);
    try {
      return await source.read(0, Math.min(length, source.size));
    } finally {
      await source.close();
    }
  } catch (error) {
    throw new Error(`cannot read ${displayUrl(url)}: ${(error as Error).message}`);
  }
}

function startsWith(bytes: Uint8Array, magic: string): boolean {
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic.charCodeAt(i)) return false;
  return true;
}

/** The format of a file from its magic bytes ("root" for ROOT files, "PAR1" for Parquet). */
export async function detectFormat(path: string): Promise<FileFormat> {
  const head = await readHead(path, 4);
  if (startsWith(head, "root")) return "root";
  if (startsWith(head, "PAR1")) return "parquet";
  const shown = Array.from(head, (b) => b.toString(16).padStart(2, "0")).join(" ");
  throw new Error(
    `${isUrl(path) ? displayUrl(path) : path}: neither a ROOT nor a Parquet file (starts with bytes [${shown}], expected "root" or "PAR1")`,
  );
}
