// interop: h5py
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openH5 } from "../../src/hdf5/index.js";
import { python, tempDir } from "./helpers.js";

const tmp = tempDir("h5py-written");
afterAll(() => tmp.cleanup());

describe("openH5 reads SALT files written by h5py", () => {
  it("bool enum, float16, int64 and vlen string attributes", async () => {
    const other = path.join(tmp.dir, "h5py-salt.h5");
    python(`
import h5py, numpy as np
dt = np.dtype([("pt", "<f2"), ("n", "<i8"), ("valid", "?")])
a = np.zeros((50, 4), dtype=dt)
a["pt"] = (np.arange(200) / 8).reshape(50, 4)
a["n"] = np.arange(200).reshape(50, 4) - 100
a["valid"] = (np.arange(200) % 3 == 0).reshape(50, 4)
with h5py.File(${JSON.stringify(other)}, "w") as f:
    d = f.create_dataset("tracks", data=a, chunks=(10, 4), compression="gzip", shuffle=True)
    d.attrs["flavour_label"] = ["b", "c"]
    f.attrs["dsids"] = np.array([410470, 410471])
`);
    const r = await openH5(other);
    try {
      const t = r.dataset("tracks");
      expect(t.fields.map((f) => f.type)).toEqual(["float16", "int64", "bool"]);
      expect(t.attrs.flavour_label).toEqual(["b", "c"]);
      expect([...(r.attrs.dsids as BigInt64Array)]).toEqual([410470n, 410471n]);
      const rows = t.read(10, 12);
      expect([...(rows.pt as Float32Array)]).toEqual(Array.from({ length: 8 }, (_, i) => (40 + i) / 8));
      expect([...(rows.n as BigInt64Array)]).toEqual(Array.from({ length: 8 }, (_, i) => BigInt(40 + i - 100)));
      expect([...rows.valid]).toEqual(Array.from({ length: 8 }, (_, i) => ((40 + i) % 3 === 0 ? 1 : 0)));
    } finally {
      r.close();
    }
  });
});
