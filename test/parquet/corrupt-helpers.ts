import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FIXTURES_DIR } from "../shared-data.js";
import { writeConfig } from "../pipeline/helpers.js";

export const TTBAR = path.join(FIXTURES_DIR, "topcp", "ttbar.parquet");
export const WJETS = path.join(FIXTURES_DIR, "topcp", "wjets.parquet");

/** A copy of the ttbar fixture with 16 bytes inverted inside its column data (zstd pages). */
export function corruptCopy(dir: string): string {
  const bytes = readFileSync(TTBAR);
  for (let i = 0; i < 16; i++) bytes[200_000 + i]! ^= 0xff;
  const file = path.join(dir, "corrupt.parquet");
  writeFileSync(file, bytes);
  return file;
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
