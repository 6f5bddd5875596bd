import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { TTBAR, WJETS, writeConfig } from "../pipeline/helpers.js";
import { columnChunkRanges } from "../../src/parquet/chunk-ranges.js";
import { readFooter } from "../../src/parquet/footer.js";
import { readPageHeader } from "../../src/parquet/page-header.js";
import { writeTopcpSample } from "../../fixtures/generate-topcp.js";

/** The committed ttbar fixture is written by sxflow, so with a CRC in every page header. */
export { TTBAR };

/** The ttbar fixture as it was before sxflow wrote page CRCs (same seed, same values). */
export async function ttbarWithoutCrcs(dir: string): Promise<string> {
  return writeTopcpSample({ sample: "ttbar", events: 5000, seed: 20251126, rowGroupSize: 2000, out: path.join(dir, "no-crc"), pageChecksums: false });
}

export interface Corruption {
  file: string;
  rowGroup: number;
  column: string;
}

/**
 * A copy of `source` named corrupt.parquet with `count` bytes inverted inside the data of the
 * first page of one column chunk (found from the footer, past the page header).
 */
export function corruptCopy(dir: string, source: string, target: { rowGroup: number; column: string }, count = 1): Corruption {
  const bytes = readFileSync(source);
  const footerLength = bytes.readUInt32LE(bytes.length - 8);
  const chunks = columnChunkRanges(readFooter(bytes.subarray(bytes.length - 8 - footerLength, bytes.length - 8), source));
  const chunk = chunks.find((c) => c.rowGroup === target.rowGroup && c.column === target.column);
  if (!chunk) throw new Error(`${source} has no chunk of column ${target.column} in row group ${target.rowGroup}`);
  const page = readPageHeader(bytes, chunk.offset, source);
  const at = chunk.offset + page.length + Math.floor(page.compressedSize / 2);
  for (let i = 0; i < count; i++) bytes[at + i]! ^= 0xff;
  const file = path.join(dir, "corrupt.parquet");
  writeFileSync(file, bytes);
  return { file, ...target };
}

/** A run of the corrupt copy (as ttbar) and the W+jets fixture, reading every jet column. */
export function corruptRunConfig(dir: string, corrupt: string): string {
  return writeConfig(dir, {
    tree: "reco",
    samples: [
      { name: "ttbar", label: 0, files: [corrupt] },
      { name: "wjets", label: 1, files: [WJETS] },
    ],
    objects: {
      event: { global: true, fields: { met: "met_met_NOSYS", n: "eventNumber" } },
      jet: { max: 5, fields: { pt: "jet_pt_NOSYS", eta: "jet_eta", phi: "jet_phi", q: "jet_GN2v01_Continuous_quantile" } },
      el: { max: 2, fields: { pt: "el_pt_NOSYS", eta: "el_eta", charge: "el_charge" } },
    },
    split: { fractions: { train: 0.8, val: 0.1, test: 0.1 } },
    output: { dir: path.join(dir, "out"), name: "x", compression: "none" },
  });
}

/** What the error for a page whose CRC does not match says: file, row group, the one column. */
export function crcError(c: Corruption): RegExp {
  const file = c.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`${file}: row group ${c.rowGroup}, column "${c.column}", page 0: page CRC mismatch \\(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\)`);
}
