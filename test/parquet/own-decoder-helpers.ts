import { readFileSync } from "node:fs";
import { openParquet, type ParquetReader } from "../../src/parquet/index.js";
import { fileMeta } from "../../src/parquet/metadata.js";
import { readFooter } from "../../src/parquet/footer.js";
import { readPageHeader } from "../../src/parquet/page-header.js";
import type { Batch } from "../../src/batch/types.js";
import { fingerprint } from "./helpers.js";

/** What a read gives: the batches' fingerprints, or the error's message (and which read it was). */
export type Outcome = ({ batches: Record<string, string>[] } | { error: string }) & { pattern?: string };

async function outcome(read: () => AsyncIterable<Batch> | Promise<Batch>): Promise<Outcome> {
  try {
    const r = read();
    const batches: Record<string, string>[] = [];
    if (r instanceof Promise) batches.push(fingerprint(await r));
    else for await (const b of r) batches.push(fingerprint(b));
    return { batches };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The reads compared: whole file, small steps, ranges across and inside row groups. */
export function readPatterns(r: ParquetReader, names: string[]): [string, () => AsyncIterable<Batch> | Promise<Batch>][] {
  const n = r.entries;
  const third = Math.floor(n / 3);
  return [
    ["read all", () => r.read(names)],
    ["iterate, steps of 7", () => r.iterate({ branches: names, stepEntries: 7 })],
    ["iterate, default steps", () => r.iterate({ branches: names })],
    [`read [${third}, ${n - 3})`, () => r.read(names, third, Math.max(third, n - 3))],
    [`read [5, 17)`, () => r.read(names, Math.min(5, n), Math.min(17, n))],
    [`iterate [${third + 1}, ${2 * third}), steps of 100`, () => r.iterate({ branches: names, entryStart: Math.min(third + 1, n), entryStop: Math.max(Math.min(third + 1, n), 2 * third), stepEntries: 100 })],
  ];
}

/**
 * Reads `file` through sxflow's decoder and through parquet-wasm alone with each pattern, the
 * named columns together and each alone; returns both sides' outcomes (to be equal) and the
 * chunks each decoder read on the own-decoder side.
 */
export async function compareDecoders(file: string, only?: string[]): Promise<{ own: Outcome[]; wasm: Outcome[]; counts: { own: number; parquetWasm: number } }> {
  const own = await openParquet(file);
  const wasm = await openParquet(file, { decoder: "parquet-wasm" });
  const names = only ?? own.branches.map((b) => b.name);
  const sets = [names, ...names.map((n) => [n])];
  const a: Outcome[] = [];
  const b: Outcome[] = [];
  for (const set of sets) {
    // Every pattern on all columns together; a whole read and small steps on each alone.
    const patterns = set === names ? Infinity : 2;
    const pa = readPatterns(own, set).slice(0, patterns);
    const pb = readPatterns(wasm, set).slice(0, patterns);
    for (let i = 0; i < pa.length; i++) {
      a.push({ ...(await outcome(pa[i]![1])), pattern: `${pa[i]![0]} of ${set.join(",")}` });
      b.push({ ...(await outcome(pb[i]![1])), pattern: `${pb[i]![0]} of ${set.join(",")}` });
    }
  }
  const counts = own.decodedChunks;
  own.close();
  wasm.close();
  return { own: a, wasm: b, counts };
}

/** Encodings and page types (0 v1, 2 dictionary, 3 v2) of the first chunk of a leaf, from the file itself. */
export function layout(file: string, leaf: string): { encodings: number[]; pageTypes: number[]; pages: number } {
  const bytes = readFileSync(file);
  const footer = bytes.readUInt32LE(bytes.length - 8);
  const meta = fileMeta(readFooter(bytes.subarray(bytes.length - 8 - footer, bytes.length - 8), file));
  const chunk = meta.rowGroups[0]!.chunks.get(leaf)!;
  const pageTypes = new Set<number>();
  let pages = 0;
  for (let at = chunk.offset; at < chunk.offset + chunk.compressedSize; pages++) {
    const h = readPageHeader(bytes, at, file);
    pageTypes.add(h.header.get(1) as number);
    at += h.length + h.compressedSize;
  }
  return { encodings: chunk.encodings, pageTypes: [...pageTypes].sort(), pages };
}
