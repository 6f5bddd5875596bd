// interop: h5py
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lookup3 } from "../../src/hdf5/lookup3.js";
import { python, tempDir } from "./helpers.js";

const tmp = tempDir("lookup3");
afterAll(() => tmp.cleanup());

describe("lookup3", () => {
  it("reproduces the checksums libhdf5 stored in an h5py-written file", () => {
    const file = path.join(tmp.dir, "ref.h5");
    python(`
import h5py, numpy as np
with h5py.File(${JSON.stringify(file)}, "w", libver="latest") as f:
    f.create_dataset("x", data=np.arange(10))
    f.attrs["a"] = 1
`);
    const bytes = readFileSync(file);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Superblock v2/v3: checksum over the first 44 bytes.
    expect(bytes[8]).toBeGreaterThanOrEqual(2);
    expect(lookup3(bytes.subarray(0, 44))).toBe(view.getUint32(44, true));
    // Every object header v2 in the file: "OHDR", chunk-0 size, checksum after the messages.
    let checked = 0;
    for (let p = bytes.indexOf("OHDR"); p >= 0; p = bytes.indexOf("OHDR", p + 4)) {
      const flags = bytes[p + 5];
      let q = p + 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
      const width = 1 << (flags & 3);
      let size = 0;
      for (let k = 0; k < width; k++) size += bytes[q + k] * 2 ** (8 * k);
      q += width;
      const end = q + size;
      expect(lookup3(bytes.subarray(p, end))).toBe(view.getUint32(end, true));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });
});
