import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/dispatch.js";
import { inspectCommand } from "../../src/cli/inspect.js";
import { writeParquet } from "../../src/parquet/index.js";
import { FIXTURES_DIR } from "../shared-data.js";

const sample = path.join(FIXTURES_DIR, "root", "uproot-sample-6.20.04-zlib.root");

async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await inspectCommand(args, (s) => void (out += s));
  return { code, out };
}

describe("sxflow inspect", () => {
  it("prints trees and branches as a table", async () => {
    const { code, out } = await run([sample]);
    expect(code).toBe(0);
    expect(out).toContain('tree "sample": 30 entries in 1 cluster');
    expect(out).toMatch(/^Ai8\s+int64_t\[\]\s+jagged\s+none\+zlib\s+24\s+2465\s+2520\s+1\.02$/m);
    expect(out).toMatch(/^b\s+bool\s+flat\s+none\+zlib\s+2\s+162\s+170\s+1\.05$/m);
    expect(out).toMatch(/^str\s+char\*\s+flat\s/m);
  });

  it("prints JSON with sizes, ratios, codecs and clusters", async () => {
    const { code, out } = await run([path.join(FIXTURES_DIR, "root", "uproot-small-dy-nooffsets.root"), "--tree", "tree", "--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(out) as { trees: { name: string; entries: number; clusters: unknown[]; branches: Record<string, unknown>[] }[] };
    const [tree] = report.trees;
    expect(tree).toMatchObject({ name: "tree", entries: 501 });
    expect(tree!.clusters).toHaveLength(3);
    const jet = tree!.branches.find((b) => b.name === "Jet_pt")!;
    expect(jet).toMatchObject({ type: "float[]", kind: "jagged", elementType: "float32", supported: true, baskets: 4 });
    expect(jet.compressionRatio).toBeCloseTo((jet.uncompressedBytes as number) / (jet.compressedBytes as number), 12);
    expect(jet.codec).toMatch(/zlib/);
  });

  it("is registered in the CLI and fails clearly on an unknown tree", async () => {
    await expect(runCli(["inspect", sample, "--tree", "sampel"])).rejects.toThrow(/unknown tree "sampel" in uproot-sample-6\.20\.04-zlib\.root; did you mean "sample"\?/);
  });

  it("inspects a ServiceX-style Parquet file: rows, row groups, trees and columns with their storage", async () => {
    const file = path.join(FIXTURES_DIR, "topcp", "ttbar.parquet");
    const { code, out } = await run([file]);
    expect(code).toBe(0);
    expect(out).toContain("Parquet: 5000 rows in 3 row groups");
    expect(out).toContain('tree "reco": 5000 entries in 3 row groups');
    expect(out).toMatch(/^jet_pt_NOSYS\s+large_list<float32>\s+jagged\s+zstd\s+3\s+\d+\s+\d+\s+\d+\.\d\d$/m);
    expect(out).toMatch(/^eventNumber\s+uint64\s+flat\s+zstd\s+3\s/m);

    const json = JSON.parse((await run([file, "--json"])).out) as {
      format: string;
      rows: number;
      trees: { name: string; entries: number; clusters: unknown[] }[];
      columns: { name: string; compressedBytes: number; uncompressedBytes: number; compressionRatio: number; chunks: number }[];
    };
    expect(json.format).toBe("parquet");
    expect(json.trees).toEqual([{ name: "reco", entries: 5000, clusters: [{ entryStart: 0, entryStop: 2000 }, { entryStart: 2000, entryStop: 4000 }, { entryStart: 4000, entryStop: 5000 }] }]);
    const total = json.columns.reduce((n, c) => n + c.compressedBytes, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(statSync(file).size);
    for (const c of json.columns) {
      expect(c.chunks).toBe(3);
      expect(c.compressionRatio).toBeCloseTo(c.uncompressedBytes / c.compressedBytes, 12);
    }
    await expect(run([file, "--tree", "rec"])).rejects.toThrow(/no rows of tree "rec" \(trees: "reco"\); did you mean "reco"\?/);
  });

  it("inspects a Parquet file without a treename column, listing unsupported columns", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sxflow-inspect-"));
    try {
      const file = path.join(dir, "plain.parquet");
      await writeParquet(file, [{ length: 3, columns: { x: { kind: "flat", values: new Float64Array([1, 2, 3]) } } }]);
      const { code, out } = await run([file]);
      expect(code).toBe(0);
      expect(out).toContain("Parquet: 3 rows in 1 row group");
      expect(out).toContain('no "treename" column');
      expect(out).toMatch(/^x\s+float64\s+flat\s+zstd\s+1\s/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
