import { openAsBlob } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { ParquetFile } from "parquet-wasm";
import { describe, expect, it } from "vitest";
import { compileCut, compileExpression, cutMask, openRoot } from "../../src/index.js";
import { schemaOfBatch } from "../../src/expr/schema.js";
import { runUprootRawFile } from "../../src/servicex/local/query.js";
import { FIXTURES_DIR } from "../shared-data.js";

/** uproot-stl_containers.root (5 events): string = one..five, vector_string = [one], [one, two], ... (uproot's tests document both). */
async function stl(): Promise<{ schema: Parameters<typeof compileCut>[1]; batch: Awaited<ReturnType<Awaited<ReturnType<Awaited<ReturnType<typeof openRoot>>["tree"]>>["read"]>> }> {
  const file = await openRoot(path.join(FIXTURES_DIR, "root", "uproot-stl_containers.root"));
  try {
    const tree = await file.tree("tree");
    return { schema: tree.branches, batch: await tree.read(["string", "tstring", "vector_string", "vector_vector_string", "vector_int32"]) };
  } finally {
    await file.close();
  }
}

describe("string branches in expressions", () => {
  it("compares a string per event with a literal, either way round, == and !=", async () => {
    const { schema, batch } = await stl();
    expect(Array.from(cutMask(batch, compileCut('string == "two"', schema)))).toEqual([0, 1, 0, 0, 0]);
    expect(Array.from(cutMask(batch, compileCut('"four" == tstring', schema)))).toEqual([0, 0, 0, 1, 0]);
    expect(Array.from(cutMask(batch, compileCut('get("string") != "two"', schema)))).toEqual([1, 0, 1, 1, 1]);
    expect(Array.from(cutMask(batch, compileCut('string == "tw"', schema)))).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(cutMask(batch, compileCut('(string == "one") | (num(vector_int32) > 4)', schema)))).toEqual([1, 0, 0, 0, 1]);
    const label = compileExpression('string == "three"', schema);
    expect(label.freeBranches).toEqual(["string"]);
    expect(label.evaluate(batch)).toEqual({ kind: "flat", values: new Uint8Array([0, 0, 1, 0, 0]), elementType: "bool" });
  });

  it("compares each string of a list per event, giving a bool per object", async () => {
    const { schema, batch } = await stl();
    expect(Array.from(cutMask(batch, compileCut('any(vector_string == "three")', schema)))).toEqual([0, 0, 1, 1, 1]);
    const perObject = compileExpression('vector_string != "one"', schema).evaluate(batch);
    expect(perObject.kind).toBe("jagged");
    expect(Array.from((perObject as { values: Uint8Array }).values)).toEqual([0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it("works from a batch's own schema (strings found in the columns)", async () => {
    const { batch } = await stl();
    expect(Array.from(cutMask(batch, compileCut('string == "five"', schemaOfBatch(batch))))).toEqual([0, 0, 0, 0, 1]);
  });

  it("refuses every other use of a string branch, saying what works", async () => {
    const { schema } = await stl();
    expect(() => compileCut("string", schema)).toThrow(/branch "string" holds strings: the only use of a string branch is a comparison with a string, e.g. string == "value"/);
    expect(() => compileCut('string < "b"', schema)).toThrow(/strings compare only with == and !=, not </);
    expect(() => compileCut("num(vector_string) > 1", schema)).toThrow(/branch "vector_string" holds strings/);
    expect(() => compileCut('vector_vector_string == "one"', schema)).toThrow(/list of lists of strings/);
    expect(() => compileCut('vector_int32 == "one"', schema)).toThrow(/a string is only allowed as the argument of get\("branch name"\) or compared/);
  });
});

describe("string branches in local UprootRaw queries", () => {
  it("cuts on a string and writes string columns to the Parquet output as ServiceX does", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sxflow-strq-"));
    try {
      const out = path.join(dir, "out.parquet");
      const query = [{ treename: "tree", filter_name: ["string", "vector_string"], cut: 'string != "three"' }];
      await runUprootRawFile(path.join(FIXTURES_DIR, "root", "uproot-stl_containers.root"), JSON.stringify(query), out, () => false);
      const pf = await ParquetFile.fromFile(await openAsBlob(out));
      const rows: { string: string; vector_string: Iterable<string> }[] = [];
      for await (const b of (await pf.stream({})) as AsyncIterable<{ intoIPCStream(): Uint8Array }>) {
        const t = tableFromIPC(b.intoIPCStream());
        for (let i = 0; i < t.numRows; i++) rows.push(t.get(i)!.toJSON() as (typeof rows)[number]);
      }
      pf.free();
      expect(rows.map((r) => r.string)).toEqual(["one", "two", "four", "five"]);
      expect(Array.from(rows[1]!.vector_string)).toEqual(["one", "two"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
