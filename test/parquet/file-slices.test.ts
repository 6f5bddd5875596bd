import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openFileSlices } from "../../src/parquet/file-slices.js";

const dir = mkdtempSync(path.join(tmpdir(), "sxflow-slices-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("openFileSlices", () => {
  it("serves byte ranges of the file as parquet-wasm asks for them", async () => {
    const file = path.join(dir, "bytes.bin");
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7 + 3) & 0xff);
    writeFileSync(file, bytes);
    const slices = await openFileSlices(file);
    expect(slices.size).toBe(bytes.length);
    for (const [a, b] of [[0, 4], [65_530, 70_000], [100, 100], [12_345, 54_321]] as const) {
      expect(new Uint8Array(await slices.slice(a, b).arrayBuffer())).toEqual(bytes.subarray(a, b));
    }
    slices.close();
    await expect(slices.slice(0, 4).arrayBuffer()).rejects.toThrow(`${file}: reading bytes 0-4 failed: the file is closed`);
  });

  it("names the file and the byte when the file shrank under it", async () => {
    const file = path.join(dir, "shrinks.bin");
    writeFileSync(file, new Uint8Array(1000));
    const slices = await openFileSlices(file);
    truncateSync(file, 600);
    await expect(slices.slice(500, 800).arrayBuffer()).rejects.toThrow(`${file}: reading bytes 500-800 failed: unexpected end of file at byte 600`);
    slices.close();
  });
});
