import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/dispatch.js";
import { inspectCommand } from "../../src/cli/inspect.js";
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
    expect(out).toMatch(/^str\s+char\* \(unsupported\)\s+jagged/m);
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
});
