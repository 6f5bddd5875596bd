// interop: h5py
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { createH5, openH5, type Compression } from "../../src/hdf5/index.js";
import { python, tempDir } from "./helpers.js";

const tmp = tempDir("append");
afterAll(() => tmp.cleanup());

const cases: [string, Compression][] = [["none", "none"], ["deflate", { deflate: 1 }], ["lzf", "lzf"]];

for (const [label, compression] of cases) {
  it(`h5py opens the file in append mode, extends a dataset across new B-tree nodes and adds attributes (${label})`, async () => {
    const file = path.join(tmp.dir, `a-${label}.h5`);
    const w = createH5(file, { attrs: { writer_version: "sxflow" } });
    // 130 full chunks + a partial one: three leaves under one internal node.
    const rows = 130 * 10 + 4;
    const jets = w.createDataset("jets", {
      fields: [{ name: "pt", type: "float32" }, { name: "valid", type: "bool" }], objects: 3, chunkRows: 10, compression,
    });
    const pt = Float32Array.from({ length: rows * 3 }, (_, i) => i);
    const valid = Uint8Array.from({ length: rows * 3 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    await jets.append({ pt, valid });
    const ev = w.createDataset("events", { fields: [{ name: "n", type: "int64" }], chunkRows: 7, compression });
    await ev.append({ n: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)) });
    await w.close();

    const out = python(`
import h5py, numpy as np, json
f = h5py.File(${JSON.stringify(file)}, "a")
d = f["jets"]
n0 = d.shape[0]
extra = np.zeros((1000, 3), dtype=d.dtype)
extra["pt"] = np.arange(n0 * 3, (n0 + 1000) * 3, dtype="f4").reshape(1000, 3)
extra["valid"][:, 0] = True
d.resize((n0 + 1000, 3))
d[n0:] = extra
d.attrs["flavour_label"] = ["b", "c", "u"]
f.attrs["added"] = 42
f.create_dataset("more", data=np.arange(5))
# Growing without writing exposes the padding of the stored partial last chunk: it must be zeros.
e = f["events"]
e.resize((e.shape[0] + 10,))
f.close()
f = h5py.File(${JSON.stringify(file)}, "r")
d = f["jets"][...]
ok_pt = bool((d["pt"].ravel() == np.arange(d.size, dtype="f4")).all())
ok_valid = bool((d["valid"] == (np.arange(d.size).reshape(d.shape) % 3 == 0)).all()) and d["valid"].dtype == np.bool_
e = f["events"][...]
print(json.dumps({"shape": list(d.shape), "ok_pt": ok_pt, "ok_valid": ok_valid, "events": bool((e["n"][:-10] == np.arange(len(e) - 10)).all() and (e["n"][-10:] == 0).all()),
  "attrs": sorted(f.attrs.keys()), "labels": list(f["jets"].attrs["flavour_label"]), "keys": sorted(f.keys())}))
`);
    const res = JSON.parse(out);
    expect(res).toEqual({
      shape: [rows + 1000, 3], ok_pt: true, ok_valid: true, events: true,
      attrs: ["added", "writer_version"], labels: ["b", "c", "u"], keys: ["events", "jets", "more"],
    });

    if (compression === "lzf") return; // libhdf5 without h5py has no LZF filter
    const r = await openH5(file);
    try {
      const j = r.dataset("jets");
      expect(j.shape).toEqual([rows + 1000, 3]);
      expect(j.attrs.flavour_label).toEqual(["b", "c", "u"]);
      expect(r.attrs.added).toBe(42n);
      const tail = j.read(rows - 2, rows + 2);
      expect([...(tail.pt as Float32Array)]).toEqual(Array.from({ length: 12 }, (_, i) => (rows - 2) * 3 + i));
      expect([...tail.valid]).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]);
    } finally {
      r.close();
    }
  });
}
