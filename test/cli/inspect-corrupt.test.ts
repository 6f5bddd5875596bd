import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Batch } from "../../src/batch/index.js";
import { writeParquetTrees } from "../../src/parquet/index.js";
import { corruptCopy, crcError } from "../parquet/corrupt-helpers.js";
import { tempDir } from "../parquet/helpers.js";
import { sxflowProcess } from "./helpers.js";

const dir = tempDir("inspect-corrupt");

function part(rows: number, start: number): Batch {
  return { length: rows, columns: { x: { kind: "flat", values: Float32Array.from({ length: rows }, (_, i) => start + i) } } };
}

describe("sxflow inspect on a corrupt Parquet file", () => {
  it("prints one line naming file, row group, column and the CRC, and no stack", async () => {
    // Two trees interleaved in one row group: the footer statistics cannot tell the trees, so
    // inspect decodes the treename column, whose page is corrupt.
    const source = path.join(dir, "trees.parquet");
    const trees = ["nominal", "sys", "nominal", "sys"].map((tree, i) => ({ tree, batch: part(100, 100 * i) }));
    await writeParquetTrees(source, trees);
    const good = await sxflowProcess("inspect", source);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('tree "sys": 200 entries');

    const c = corruptCopy(dir, source, { rowGroup: 0, column: "treename" });
    const r = await sxflowProcess("inspect", c.file);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^sxflow: /);
    expect(lines[0]).toMatch(crcError(c));
    expect(r.stderr).not.toMatch(/\n\s+at |RuntimeError|wasm-function/);
  });
});
