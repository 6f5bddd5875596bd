// interop: h5py
/**
 * `sxflow norm` and `sxflow split` on SALT-layout files written by another tool: h5py writes
 * them (float16 and bool fields, NaN entries, padded object slots, gzip chunks), numpy gives the
 * reference statistics, h5py reads the split files back.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { NormDict } from "../../src/stages/index.js";
import { cli } from "../cli/helpers.js";
import { tempDir } from "../pipeline/helpers.js";
import { SYSTEM_PYTHON } from "../shared-data.js";

const dir = tempDir("salt-foreign");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WRITE = `
import sys, json, h5py, numpy as np
out = sys.argv[1]
rng = np.random.default_rng(11)
n = 5000
ev = np.zeros(n, dtype=[("eventNumber", "<i8"), ("runNumber", "<u4"), ("met", "<f4"), ("sig", "<f2"), ("flavour_label", "<i4")])
ev["eventNumber"] = rng.permutation(n) * 7919 + 10**9
ev["runNumber"] = rng.integers(300000, 300010, n)
ev["met"] = rng.exponential(40000.0, n).astype("<f4")
ev["met"][rng.random(n) < 0.02] = np.nan
ev["sig"] = rng.normal(3.0, 2.0, n).astype("<f2")
ev["flavour_label"] = rng.choice(3, n, p=[0.6, 0.3, 0.1])
jets = np.zeros((n, 5), dtype=[("pt", "<f4"), ("eta", "<f2"), ("valid", "?")])
k = rng.integers(0, 6, n)
for i in range(n):
    jets["pt"][i, :k[i]] = np.sort(rng.exponential(50000.0, k[i]))[::-1]
    jets["eta"][i, :k[i]] = rng.normal(0, 1.5, k[i])
    jets["valid"][i, :k[i]] = True
def write(path, order):
    with h5py.File(path, "w") as f:
        f.attrs["producer"] = "h5py test writer"
        e = f.create_dataset("jets_event", data=ev[order], compression="gzip", chunks=(700,))
        e.attrs["flavour_label"] = ["light", "charm", "bottom"]
        f.create_dataset("jets", data=jets[order], compression="gzip", chunks=(700, 5))
write(out + "/foreign.h5", np.arange(n))
write(out + "/permuted.h5", rng.permutation(n))
ref = {}
for g, arr in (("jets_event", ev), ("jets", jets)):
    ref[g] = {}
    for name in arr.dtype.names:
        if name in ("valid", "flavour_label"):
            continue
        x = arr[name].astype("f8")
        if g == "jets":
            x = x[jets["valid"]]
        x = x[~np.isnan(x)]
        ref[g][name] = {"mean": float(x.mean()), "std": float(x.std())}
counts = np.bincount(ev["flavour_label"], minlength=3)
w = counts.sum() / counts
print(json.dumps({"norm": ref, "counts": counts.tolist(), "weights": [round(float(v), 2) for v in w / w.min()]}))
`;

const READ = `
import sys, json, h5py, numpy as np
out = {}
for p in sys.argv[1:]:
    with h5py.File(p, "r") as f:
        e, j = f["jets_event"][:], f["jets"][:]
        dsets = f["jets_event"], f["jets"]
        nan = lambda v: None if v != v else v
        out[p] = {"events": e["eventNumber"].tolist(), "dtypes": [str(d.dtype) for d in dsets], "shape": list(dsets[1].shape),
                  "classes": [str(c) for c in dsets[0].attrs["flavour_label"]], "producer": str(f.attrs["producer"]),
                  "rows": {int(a): [nan(float(e["met"][i])), float(e["sig"][i]), j["pt"][i].tolist(), j["valid"][i].tolist()] for i, a in enumerate(e["eventNumber"])}}
print(json.dumps(out))
`;

interface Reference {
  norm: NormDict;
  counts: number[];
  weights: number[];
}
interface Read {
  events: number[];
  dtypes: string[];
  shape: number[];
  classes: string[];
  producer: string;
  rows: Record<string, unknown>;
}

let ref: Reference;
beforeAll(() => {
  ref = JSON.parse(execFileSync(SYSTEM_PYTHON, ["-c", WRITE, dir], { encoding: "utf8" })) as Reference;
}, 60_000);

const read = (files: string[]): Record<string, Read> =>
  JSON.parse(execFileSync(SYSTEM_PYTHON, ["-c", READ, ...files], { encoding: "utf8", maxBuffer: 1 << 28 })) as Record<string, Read>;

describe("sxflow norm and split on files written by h5py", () => {
  it("norm: numpy's float64 mean and std of the valid, non-NaN entries, and UPP's class weights", async () => {
    const r = await cli(["norm", path.join(dir, "foreign.h5"), "--out", path.join(dir, "dicts")]);
    expect(r.code, r.err).toBe(0);
    const norm = parse(readFileSync(path.join(dir, "dicts", "norm_dict.yaml"), "utf8")) as NormDict;
    expect(Object.keys(norm)).toEqual(["jets_event", "jets"]);
    for (const [g, fields] of Object.entries(ref.norm)) {
      expect(Object.keys(norm[g]!).sort()).toEqual(Object.keys(fields).sort());
      for (const [f, { mean, std }] of Object.entries(fields)) {
        expect(Math.abs(norm[g]![f]!.mean - mean), `${g}.${f}`).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(mean), std));
        expect(Math.abs(norm[g]![f]!.std - std), `${g}.${f}`).toBeLessThanOrEqual(1e-12 * std);
      }
    }
    expect(parse(readFileSync(path.join(dir, "dicts", "class_dict.yaml"), "utf8"))).toEqual({ jets_event: { flavour_label: ref.weights } });
    expect(r.out).toContain(`class counts [${ref.counts.join(", ")}]`);
  });

  it("split: the same events per split from a row-permuted copy, every row intact, types and attributes kept", async () => {
    for (const f of ["foreign", "permuted"]) {
      const r = await cli(["split", path.join(dir, `${f}.h5`), "--fractions", "0.6,0.2,0.2", "--out", path.join(dir, "split"), "--name", f]);
      expect(r.code, r.err).toBe(0);
    }
    const files = (f: string) => ["train", "val", "test"].map((s) => path.join(dir, "split", `${f}_${s}.h5`));
    const got = read([...files("foreign"), ...files("permuted"), path.join(dir, "foreign.h5")]);
    const original = got[path.join(dir, "foreign.h5")]!;
    const a = files("foreign").map((f) => got[f]!);
    const b = files("permuted").map((f) => got[f]!);
    a.forEach((x, i) => expect([...x.events].sort()).toEqual([...b[i]!.events].sort()));
    expect(a.flatMap((x) => x.events).sort()).toEqual([...original.events].sort());
    for (const x of a) {
      expect(x.dtypes).toEqual(original.dtypes);
      expect(x.shape[1]).toBe(5);
      expect(x.classes).toEqual(["light", "charm", "bottom"]);
      expect(x.producer).toBe("h5py test writer");
      for (const [ev, row] of Object.entries(x.rows)) expect(row).toEqual(original.rows[ev]);
    }
    const n = original.events.length;
    [0.6, 0.2, 0.2].forEach((f, i) => expect(Math.abs(a[i]!.events.length - f * n)).toBeLessThan(4 * Math.sqrt(n * f * (1 - f))));
  });
});
