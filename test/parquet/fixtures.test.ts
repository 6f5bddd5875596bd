import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { concatBatches, type Batch, type JaggedColumn } from "../../src/batch/index.js";
import { openParquet } from "../../src/parquet/index.js";
import { generateTopcp, TOPCP_COLUMNS, writeTopcpSample, type SampleName } from "../../fixtures/generate-topcp.js";
import { FIXTURES_DIR, IC_FIXTURES } from "../shared-data.js";
import { fingerprint, tempDir } from "./helpers.js";

const dir = tempDir("fixtures");
const COMMITTED = { events: 5000, seed: 20251126, rowGroupSize: 2000 };
const columnsFile = path.join(IC_FIXTURES, "columns_to_preload.json");

async function generated(sample: SampleName, events: number, chunk?: number): Promise<Batch> {
  const parts: Batch[] = [];
  for await (const b of generateTopcp({ sample, events, seed: COMMITTED.seed, chunk })) parts.push(b);
  return concatBatches(parts);
}

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}

describe("TopCP-like fixture generator", () => {
  it("generates exactly the columns the integration challenge reads", () => {
    const { all_data_columns } = JSON.parse(readFileSync(columnsFile, "utf8")) as { all_data_columns: string[] };
    expect([...TOPCP_COLUMNS]).toEqual(all_data_columns);
  });

  it("is deterministic: same seed, same bytes, whatever the chunk size; another seed differs", async () => {
    const a = await writeTopcpSample({ sample: "ttbar", events: 1200, seed: 7, out: path.join(dir, "a"), rowGroupSize: 500 });
    const b = await writeTopcpSample({ sample: "ttbar", events: 1200, seed: 7, out: path.join(dir, "b"), rowGroupSize: 500, chunk: 257 });
    const c = await writeTopcpSample({ sample: "ttbar", events: 1200, seed: 8, out: path.join(dir, "c"), rowGroupSize: 500 });
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
    expect(readFileSync(c).equals(readFileSync(a))).toBe(false);
  });

  for (const sample of ["ttbar", "wjets"] as const) {
    it(`the committed ${sample}.parquet holds exactly what the generator produces`, async () => {
      const fresh = await generated(sample, COMMITTED.events, 1000);
      const r = await openParquet(path.join(FIXTURES_DIR, "topcp", `${sample}.parquet`), { tree: "reco" });
      expect(r.entries).toBe(COMMITTED.events);
      expect(r.trees).toEqual([{ name: "reco", entries: COMMITTED.events }]);
      expect(r.clusters()).toEqual([
        { start: 0, stop: 2000 },
        { start: 2000, stop: 4000 },
        { start: 4000, stop: 5000 },
      ]);
      expect(r.branches.map((b) => b.name)).toEqual([...TOPCP_COLUMNS]);
      const back = await r.read([...TOPCP_COLUMNS]);
      // Offsets are rebased to 0 by concatenation on both sides, so bytes must match exactly.
      expect(fingerprint(back)).toEqual(fingerprint(fresh));
      // With the pinned parquet-wasm, the file itself is reproduced byte for byte.
      const rewritten = await writeTopcpSample({ sample, ...COMMITTED, out: path.join(dir, "again") });
      expect(readFileSync(rewritten).equals(readFileSync(path.join(FIXTURES_DIR, "topcp", `${sample}.parquet`)))).toBe(true);
    });
  }

  it("has the expected types and plausible physics", async () => {
    const r = await openParquet(path.join(FIXTURES_DIR, "topcp", "ttbar.parquet"));
    const type = (name: string) => r.branches.find((b) => b.name === name)!.type;
    expect(type("jet_pt_NOSYS")).toBe("large_list<float32>");
    expect(type("jet_GN2v01_FixedCutBEff_77_select")).toBe("large_list<int8>");
    expect(type("jet_GN2v01_Continuous_quantile")).toBe("large_list<int32>");
    expect(type("eventNumber")).toBe("uint64");
    expect(type("runNumber")).toBe("uint32");
    expect(type("pass_ejets_NOSYS")).toBe("int8");
    expect(type("met_met_NOSYS")).toBe("float32");

    const stats = async (sample: SampleName) => {
      const b = await generated(sample, 3000);
      const jets = b.columns.jet_pt_NOSYS as JaggedColumn;
      const pt = jets.values as Float32Array;
      const eta = (b.columns.jet_eta as JaggedColumn).values as Float32Array;
      const el = b.columns.el_pt_NOSYS as JaggedColumn;
      const elEta = (b.columns.el_eta as JaggedColumn).values as Float32Array;
      let ordered = true;
      for (let e = 0; e < b.length; e++) {
        for (let i = jets.offsets[e]! + 1; i < jets.offsets[e + 1]!; i++) if (pt[i]! > pt[i - 1]!) ordered = false;
      }
      let noElectron = 0;
      for (let e = 0; e < b.length; e++) if (el.offsets[e + 1] === el.offsets[e]) noElectron++;
      const events = b.columns.eventNumber!.values as BigUint64Array;
      let increasing = true;
      for (let i = 1; i < events.length; i++) if (events[i]! <= events[i - 1]!) increasing = false;
      return {
        jetsPerEvent: pt.length / b.length,
        bTagsPerEvent: sum((b.columns.jet_select_GN2v01_FixedCutBEff_77_NOSYS as JaggedColumn).values as Int8Array) / b.length,
        minPt: Math.min(...pt),
        maxAbsEta: Math.max(...Array.from(eta, Math.abs)),
        electronsInCrack: Array.from(elEta).filter((x) => Math.abs(x) > 1.37 && Math.abs(x) < 1.52).length,
        noElectronFraction: noElectron / b.length,
        ordered,
        increasing,
        maxEvent: events[events.length - 1]!,
      };
    };
    const tt = await stats("ttbar");
    const wj = await stats("wjets");
    // ttbar: 2 + Poisson(3.3) jets; the b-filtered W+jets slice: 1 + Poisson(2.2), so 5.3 against
    // 3.2 per event (standard error 0.03 with 3000 events).
    expect(tt.jetsPerEvent).toBeGreaterThan(5);
    expect(tt.jetsPerEvent).toBeLessThan(5.6);
    expect(wj.jetsPerEvent).toBeGreaterThan(2.9);
    expect(wj.jetsPerEvent).toBeLessThan(3.5);
    // Both hold two b quarks, W+jets' with a lower acceptance (0.6 against 0.8): b-tags at 77 %
    // per event about 1.2 against 0.85 (standard error below 0.02).
    expect(tt.bTagsPerEvent).toBeGreaterThan(1.05);
    expect(wj.bTagsPerEvent).toBeGreaterThan(0.7);
    expect(wj.bTagsPerEvent).toBeLessThan(tt.bTagsPerEvent - 0.2);
    for (const s of [tt, wj]) {
      expect(s.minPt).toBeGreaterThanOrEqual(25000);
      expect(s.maxAbsEta).toBeLessThanOrEqual(2.5);
      expect(s.electronsInCrack).toBe(0);
      expect(s.noElectronFraction).toBeGreaterThan(0.2);
      expect(s.noElectronFraction).toBeLessThan(0.8);
      expect(s.ordered).toBe(true);
      expect(s.increasing).toBe(true);
    }
    expect(tt.maxEvent).toBeGreaterThan(2n ** 32n);
  });
});
