// interop: h5dump
import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";
import { writeSampleFile } from "./sample-file.js";

const tmp = tempDir("h5dump");
afterAll(() => tmp.cleanup());
const file = path.join(tmp.dir, "wasm.h5");
beforeAll(async () => {
  await writeSampleFile(file);
});

describe("h5dump (libhdf5 1.10 tools)", () => {
  it("dumps the header with the h5py bool enum and the filters, and the data without error", () => {
    const header = execFileSync("h5dump", ["-H", "-p", file], { encoding: "utf8" });
    expect(header).toMatch(/H5T_ENUM \{\s*H5T_STD_I8LE;\s*"FALSE"\s+0;\s*"TRUE"\s+1;\s*\} "valid"/);
    expect(header).toMatch(/PREPROCESSING SHUFFLE\s+COMPRESSION DEFLATE \{ LEVEL 3 \}/);
    expect(header).toMatch(/DATASPACE\s+SIMPLE \{ \( 777, 5 \) \/ \( H5S_UNLIMITED, 5 \) \}/);
    const data = execFileSync("h5dump", ["-d", "/events", "-s", "775", "-c", "2", file], { encoding: "utf8" });
    expect(data).toMatch(/\(775\): \{\s*2325\s*\},\s*\{\s*2328\s*\}/);
    // A full dump walks every chunk and every attribute (global heap included).
    const all = execFileSync("h5dump", [file], { encoding: "utf8", maxBuffer: 1 << 28 });
    expect(all).toContain('"light"');
  });
});
