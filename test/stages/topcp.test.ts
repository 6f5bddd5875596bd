/**
 * The stages on the TopCP-like Parquet fixtures (ServiceX layout), read with the Parquet reader:
 * padding checked against a per-event computation, splits, statistics and the on-disk shuffle.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Batch, JaggedColumn } from "../../src/batch/index.js";
import { compileExpression, schemaOfBatch } from "../../src/expr/index.js";
import { openParquet } from "../../src/parquet/index.js";
import { padGlobal, padGroup } from "../../src/stages/pad.js";
import { BucketShuffler } from "../../src/stages/shuffle.js";
import { hashSplit, parseSplitCondition, ruleSplit } from "../../src/stages/split.js";
import { batchStats, emptyStats, finalizeStats, groupStats, mergeStats } from "../../src/stages/stats.js";
import { FIXTURES_DIR } from "../shared-data.js";
import { fieldOf, layoutOf, packGroups } from "./record-helpers.js";

const BRANCHES = ["jet_pt_NOSYS", "jet_eta", "jet_GN2v01_FixedCutBEff_77_select", "el_pt_NOSYS", "eventNumber", "runNumber", "met_met_NOSYS"];
const SAMPLES = ["ttbar", "wjets"];

async function readAll(sample: string, stepEntries?: number): Promise<Batch[]> {
  const reader = await openParquet(path.join(FIXTURES_DIR, "topcp", `${sample}.parquet`));
  const out: Batch[] = [];
  for await (const b of reader.iterate({ branches: BRANCHES, ...(stepEntries ? { stepEntries } : {}) })) out.push(b);
  reader.close();
  return out;
}

const batches: Record<string, Batch[]> = {};
beforeAll(async () => {
  for (const s of SAMPLES) batches[s] = await readAll(s);
});

function jagged(b: Batch, name: string): JaggedColumn {
  return b.columns[name] as JaggedColumn;
}

/** Per-event JS arrays of a jagged column (test side only). */
function perEvent(column: JaggedColumn): number[][] {
  const o = column.offsets;
  const v = column.values as Float32Array;
  return Array.from({ length: o.length - 1 }, (_, i) => Array.from(v.subarray(o[i]!, o[i + 1]!)));
}

function padJets(b: Batch) {
  const pt = jagged(b, "jet_pt_NOSYS");
  const ptValues = pt.values as Float32Array;
  const select = new Uint8Array(ptValues.length);
  for (let j = 0; j < select.length; j++) select[j] = ptValues[j]! > 40_000 ? 1 : 0;
  return padGroup({
    name: "jet",
    maxObjects: 6,
    fields: { pt, eta: jagged(b, "jet_eta"), btag: jagged(b, "jet_GN2v01_FixedCutBEff_77_select") },
    sources: { pt: "jet_pt_NOSYS", eta: "jet_eta", btag: "jet_GN2v01_FixedCutBEff_77_select" },
    casts: { btag: "bool" },
    select,
    sortBy: pt,
    padding: "nan",
  });
}

describe("stages on TopCP-like Parquet samples", () => {
  it("pads jets (select pt > 40 GeV, sort by pt, max 6) exactly as a per-event computation", () => {
    let truncatedTotal = 0;
    let events = 0;
    for (const s of SAMPLES) {
      for (const b of batches[s]!) {
        const out = padJets(b);
        const pts = perEvent(jagged(b, "jet_pt_NOSYS"));
        const etas = perEvent(jagged(b, "jet_eta"));
        const tags = perEvent(jagged(b, "jet_GN2v01_FixedCutBEff_77_select"));
        let truncated = 0;
        const want = { pt: new Array<number>(), eta: new Array<number>(), btag: new Array<number>(), valid: new Array<number>() };
        pts.forEach((pt, i) => {
          const kept = pt.map((_, j) => j).filter((j) => pt[j]! > 40_000);
          kept.sort((x, y) => pt[y]! - pt[x]! || x - y);
          truncated += Math.max(0, kept.length - 6);
          for (let k = 0; k < 6; k++) {
            const j = kept[k];
            want.pt.push(j === undefined ? Number.NaN : pt[j]!);
            want.eta.push(j === undefined ? Number.NaN : etas[i]![j]!);
            want.btag.push(j === undefined ? 0 : tags[i]![j] ? 1 : 0);
            want.valid.push(j === undefined ? 0 : 1);
          }
        });
        expect(Array.from(out.fields.pt as Float32Array)).toEqual(want.pt);
        expect(Array.from(out.fields.eta as Float32Array)).toEqual(want.eta);
        expect(Array.from(out.fields.btag as Uint8Array)).toEqual(want.btag);
        expect(Array.from(out.valid)).toEqual(want.valid);
        expect(out.truncated).toBe(truncated);
        truncatedTotal += truncated;
        events += b.length;
      }
    }
    expect(events).toBe(10_000);
    // ttbar has events with more than six hard jets: the truncation path is exercised.
    expect(truncatedTotal).toBeGreaterThan(0);
  });

  it("pads with the selection, sort key and fields the expression engine evaluates", () => {
    for (const s of SAMPLES) {
      for (const b of batches[s]!) {
        const schema = schemaOfBatch(b);
        const evaluate = (source: string) => {
          const column = compileExpression(source, schema).evaluate(b);
          if (column.kind !== "jagged") throw new Error(`${source} is not per object`);
          return column;
        };
        const out = padGroup({
          name: "jet",
          maxObjects: 6,
          fields: { pt: evaluate("jet_pt_NOSYS / 1000"), eta: evaluate("jet_eta"), btag: evaluate("jet_GN2v01_FixedCutBEff_77_select") },
          casts: { pt: "float32", btag: "bool" },
          select: evaluate("jet_pt_NOSYS > 40000"),
          sortBy: evaluate("jet_pt_NOSYS"),
          padding: "nan",
        });
        const reference = padJets(b);
        expect(Array.from(out.valid)).toEqual(Array.from(reference.valid));
        expect(Array.from(out.fields.eta as Float32Array)).toEqual(Array.from(reference.fields.eta as Float32Array));
        expect(Array.from(out.fields.btag as Uint8Array)).toEqual(Array.from(reference.fields.btag as Uint8Array));
        const gev = Array.from(reference.fields.pt as Float32Array, (v) => Math.fround(v / 1000));
        expect(Array.from(out.fields.pt as Float32Array)).toEqual(gev);
        expect(out.truncated).toBe(reference.truncated);
      }
    }
  });

  it("refuses to pad jets and electrons as one group", () => {
    const b = batches.ttbar![0]!;
    expect(() =>
      padGroup({ name: "jet", maxObjects: 4, fields: { pt: jagged(b, "jet_pt_NOSYS"), elpt: jagged(b, "el_pt_NOSYS") }, sources: { pt: "jet_pt_NOSYS", elpt: "el_pt_NOSYS" } }),
    ).toThrow(/group "jet": field "pt" \(jet_pt_NOSYS\) and field "elpt" \(el_pt_NOSYS\) have different multiplicities at event \d+/);
  });

  it("splits real (runNumber, eventNumber) identically whatever the batching, and applies eventNumber % 10 exactly", async () => {
    const keys = ["runNumber", "eventNumber"];
    const fractions = [0.7, 0.1, 0.2];
    const byEvent = new Map<bigint, number>();
    for (const b of batches.ttbar!) {
      const s = hashSplit(b, keys, fractions);
      (b.columns.eventNumber!.values as BigUint64Array).forEach((ev, i) => byEvent.set(ev, s[i]!));
    }
    for (const b of await readAll("ttbar", 777)) {
      const s = hashSplit(b, keys, fractions);
      (b.columns.eventNumber!.values as BigUint64Array).forEach((ev, i) => expect(s[i]).toBe(byEvent.get(ev)));
    }
    const counts = [0, 0, 0];
    for (const v of byEvent.values()) counts[v]!++;
    fractions.forEach((f, i) => expect(Math.abs(counts[i]! - 5000 * f)).toBeLessThan(5 * Math.sqrt(5000 * f * (1 - f))));

    const rules = [[parseSplitCondition(["eventNumber", "%10<=", 7])], [parseSplitCondition(["eventNumber", "%10==", 8])], [parseSplitCondition(["eventNumber", "%10==", 9])]];
    let crossed = false;
    for (const b of batches.ttbar!) {
      const s = ruleSplit(b, rules);
      (b.columns.eventNumber!.values as BigUint64Array).forEach((ev, i) => {
        if (ev >= 2n ** 32n) crossed = true;
        const r = Number(ev % 10n);
        expect(s[i]).toBe(r <= 7 ? 0 : r === 8 ? 1 : 2);
      });
    }
    expect(crossed).toBe(true);
  });

  it("merges per-batch statistics of valid jet slots to the two-pass result over all kept jets", () => {
    let merged = emptyStats();
    const all: number[] = [];
    for (const s of SAMPLES) {
      for (const b of batches[s]!) {
        const jets = padJets(b);
        merged = mergeStats(merged, groupStats(jets, ["pt"]).pt!);
        jets.valid.forEach((v, k) => v && all.push(jets.fields.pt![k] as number));
      }
    }
    const mean = all.reduce((a, x) => a + x, 0) / all.length;
    const std = Math.sqrt(all.reduce((a, x) => a + (x - mean) ** 2, 0) / all.length);
    const got = finalizeStats(merged, "jet.pt");
    expect(merged.count).toBe(all.length);
    expect(got.mean).toBeCloseTo(mean, 6);
    expect(got.std).toBeCloseTo(std, 6);
    // Padding (NaN here, 0 in the old converter) never enters the statistics.
    expect(batchStats(padJets(batches.wjets![0]!).fields.pt!).count).toBeLessThan(2000 * 6);
  });

  describe("on-disk shuffle of padded rows", () => {
    let dir = "";
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "sxflow-topcp-shuffle-"));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it("interleaves both samples and keeps every event's row intact", async () => {
      const original = new Map<string, number[]>();
      const first = batches.ttbar![0]!;
      const layout = layoutOf([
        padGlobal({ name: "event", fields: { eventNumber: first.columns.eventNumber!, label: { kind: "flat", values: new Int32Array(first.length) } } }),
        padJets(first),
      ]);
      const shuffler = await BucketShuffler.create({ rowBytes: layout.rowBytes, buckets: 4, seed: 42, tmpDir: dir, bufferBytes: 64 * 1024 });
      for (const [label, s] of SAMPLES.entries()) {
        for (const b of batches[s]!) {
          const event = padGlobal({
            name: "event",
            fields: { eventNumber: b.columns.eventNumber!, label: { kind: "flat", values: new Int32Array(b.length).fill(label) } },
          });
          const jets = padJets(b);
          (event.fields.eventNumber as BigUint64Array).forEach((ev, i) => original.set(`${label}:${ev}`, Array.from(jets.fields.pt!.subarray(i * 6, i * 6 + 6) as Float32Array)));
          await shuffler.write(packGroups([event, jets], layout));
        }
      }
      const labels: number[] = [];
      for await (const chunk of shuffler.rows(1000)) {
        const ev = fieldOf(chunk, layout, "event", "eventNumber") as BigUint64Array;
        const lab = fieldOf(chunk, layout, "event", "label") as Int32Array;
        const pt = fieldOf(chunk, layout, "jet", "pt") as Float32Array;
        for (let i = 0; i < ev.length; i++) {
          const key = `${lab[i]}:${ev[i]}`;
          expect(Array.from(pt.subarray(i * 6, i * 6 + 6))).toEqual(original.get(key));
          original.delete(key);
          labels.push(lab[i]!);
        }
      }
      expect(original.size).toBe(0);
      expect(labels.length).toBe(10_000);
      // Globally mixed: each tenth of the output holds both samples in about equal shares.
      for (let t = 0; t < 10; t++) {
        const part = labels.slice(t * 1000, (t + 1) * 1000);
        const w = part.filter((x) => x === 1).length;
        expect(Math.abs(w - 500)).toBeLessThan(5 * Math.sqrt(250));
      }
    });
  });
});
