import { openAsBlob, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { ParquetFile, type RecordBatch as WasmRecordBatch } from "parquet-wasm";
import { describe, expect, it } from "vitest";
import { arrowToBatch, batchToArrow, concatBatches, filterBatch, sliceBatch } from "../../src/batch/index.js";
import type { Column } from "../../src/batch/types.js";
import { writeParquet } from "../../src/index.js";
import { cppElementType, normaliseType, parseCppType } from "../../src/root/leaf-types.js";
import { padGlobal } from "../../src/stages/pad.js";
import { fixture, withFile } from "./helpers.js";


const utf8 = new TextDecoder();

/** Event i of a column as plain JS: numbers, strings and nested lists. */
function plain(c: Column | ArrayLike<number | bigint>, i: number): unknown {
  if (ArrayBuffer.isView(c)) return Number((c as ArrayLike<number>)[i]);
  const col = c as Column;
  if (col.kind === "string") return utf8.decode(col.values.subarray(col.offsets[i], col.offsets[i + 1]));
  if (col.kind === "jagged") return Array.from({ length: col.offsets[i + 1]! - col.offsets[i]! }, (_, k) => plain(col.values, col.offsets[i]! + k));
  return Number(col.values[i]);
}

const events = (c: Column, n: number): unknown[] => Array.from({ length: n }, (_, i) => plain(c, i));

/**
 * JSROOT's reading of the same files (fixtures/root/jsroot-values.ts wrote it): an independent
 * implementation, for the branch kinds uproot's expected.json gives no values for.
 */
const JSROOT = JSON.parse(readFileSync(fixture("jsroot-values.json"), "utf8")) as Record<string, Record<string, Record<string, unknown[]>>>;

describe("ROOT branch types against JSROOT's reading", () => {
  for (const [file, trees] of Object.entries(JSROOT)) {
    for (const [treeName, branches] of Object.entries(trees)) {
      it(`${file} ${treeName}: ${Object.keys(branches).join(", ")}`, async () => {
        await withFile(file, async (f) => {
          const tree = await f.tree(treeName);
          for (const [name, want] of Object.entries(branches)) {
            const batch = await tree.read([name]);
            expect(batch.length, name).toBe(want.length);
            expect(events(batch.columns[name]!, batch.length), name).toEqual(want);
          }
        });
      });
    }
  }
});

describe("ROOT string branches", () => {
  it("decodes std::string, TString and vectors (of vectors) of them as uproot's tests document", async () => {
    // Contents from scikit-hep/uproot5 tests/test_0031_test_stl_containers.py.
    const words = ["one", "two", "three", "four", "five"];
    const upTo = (n: number): string[] => words.slice(0, n);
    await withFile("uproot-stl_containers.root", async (f) => {
      const tree = await f.tree("tree");
      const batch = await tree.read(["string", "tstring", "vector_string", "vector_tstring", "vector_vector_string", "vector_vector_tstring"]);
      expect(events(batch.columns.string!, 5)).toEqual(words);
      expect(events(batch.columns.tstring!, 5)).toEqual(words);
      for (const n of ["vector_string", "vector_tstring"]) expect(events(batch.columns[n]!, 5)).toEqual([1, 2, 3, 4, 5].map(upTo));
      const nested = [1, 2, 3, 4, 5].map((k) => Array.from({ length: k }, (_, j) => upTo(j + 1)));
      for (const n of ["vector_vector_string", "vector_vector_tstring"]) expect(events(batch.columns[n]!, 5)).toEqual(nested);
      expect(tree.branch("string")).toMatchObject({ typeName: "std::string", kind: "flat", strings: true, supported: true });
      expect(tree.branch("vector_string")).toMatchObject({ kind: "jagged", jaggedDepth: 1, strings: true });
      expect(tree.branch("string").elementType).toBeUndefined();
      // Maps and sets stay out of scope, refused by name.
      await expect(tree.read(["map_int32_int16"])).rejects.toThrow(/unsupported type std::map<int32_t, int16_t> for branch "map_int32_int16".*std::map are not decoded/);
      await expect(tree.read(["set_string"])).rejects.toThrow(/unsupported type std::set<std::string>.*std::set are not decoded/);
    });
  });

  it("decodes char* leaves in every step size, the same as in one read", async () => {
    // Contents from scikit-hep/uproot5 tests/test_0023_ttree_versions.py: "hey-0" ... "hey-29".
    await withFile("uproot-sample-6.20.04-zlib.root", async (f) => {
      const tree = await f.tree("sample");
      const want = Array.from({ length: 30 }, (_, i) => `hey-${i}`);
      expect(events((await tree.read(["str"])).columns.str!, 30)).toEqual(want);
      for (const step of [1, 7, 30]) {
        const got: unknown[] = [];
        for await (const b of tree.iterate({ branches: ["str", "i4"], stepEntries: step })) got.push(...events(b.columns.str!, b.length));
        expect(got).toEqual(want);
      }
    });
  });

  it("slices, concatenates and filters string columns like any other", async () => {
    await withFile("uproot-stl_containers.root", async (f) => {
      const batch = await (await f.tree("tree")).read(["string", "vector_string", "vector_vector_string"]);
      const joined = concatBatches([sliceBatch(batch, 0, 2), sliceBatch(batch, 2, 5)]);
      for (const n of Object.keys(batch.columns)) expect(events(joined.columns[n]!, 5)).toEqual(events(batch.columns[n]!, 5));
      const kept = filterBatch(batch, new Uint8Array([0, 1, 0, 1, 0]));
      expect(events(kept.columns.string!, 2)).toEqual(["two", "four"]);
      expect(events(kept.columns.vector_string!, 2)).toEqual([
        ["one", "two"],
        ["one", "two", "three", "four"],
      ]);
    });
  });

  it("goes to Arrow as Utf8 (lists of Utf8) and back, and into Parquet files", async () => {
    await withFile("uproot-stl_containers.root", async (f) => {
      const names = ["string", "vector_string", "vector_vector_string", "vector_int32"];
      const batch = await (await f.tree("tree")).read(names);
      const rb = batchToArrow(batch);
      expect(rb.schema.fields.map((x) => String(x.type))).toEqual(["Utf8", "List<Utf8>", "List<List<Utf8>>", "List<Int32>"]);
      expect(rb.getChild("vector_string")!.get(2)!.toJSON()).toEqual(["one", "two", "three"]);
      const back = arrowToBatch(sliceBatchArrow(rb, 1, 4));
      for (const n of names) expect(events(back.columns[n]!, 3), n).toEqual(events(batch.columns[n]!, 5).slice(1, 4));

      const dir = await mkdtemp(path.join(os.tmpdir(), "sxflow-strings-"));
      try {
        const file = path.join(dir, "s.parquet");
        await writeParquet(file, [batch]);
        const pf = await ParquetFile.fromFile(await openAsBlob(file));
        const read: unknown[] = [];
        for await (const b of (await pf.stream({})) as AsyncIterable<WasmRecordBatch>) {
          const t = tableFromIPC(b.intoIPCStream());
          for (let i = 0; i < t.numRows; i++) read.push(t.get(i)!.toJSON());
        }
        pf.free();
        expect(read.map((r) => (r as { string: string }).string)).toEqual(["one", "two", "three", "four", "five"]);
        const cell = (read[4] as { vector_vector_string: Iterable<Iterable<string>> }).vector_vector_string;
        expect(Array.from(cell, (x) => Array.from(x))).toEqual([
          ["one"],
          ["one", "two"],
          ["one", "two", "three"],
          ["one", "two", "three", "four"],
          ["one", "two", "three", "four", "five"],
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  it("is refused by HDF5 padding with a message that names the field and the way out", async () => {
    await withFile("uproot-stl_containers.root", async (f) => {
      const batch = await (await f.tree("tree")).read(["string"]);
      expect(() => padGlobal({ name: "event", fields: { label: batch.columns.string! } })).toThrow(
        /group "event", field "label" holds strings, which HDF5 outputs do not store; turn it into a number first/,
      );
    });
  });
});

/** Rows [a, b) of an Arrow record batch (Arrow's own slicing, so offsets do not start at 0). */
function sliceBatchArrow(rb: ReturnType<typeof batchToArrow>, a: number, b: number): ReturnType<typeof batchToArrow> {
  return rb.slice(a, b);
}

describe("ROOT entry counts", () => {
  it("reads a branch up to the entries its baskets hold when its tree says otherwise, and refuses ranges past them", async () => {
    // LHCb's string-example.root: tree "Refs" says 0 entries; its branch "Params" holds 2 (JSROOT reads them too).
    await withFile("string-example.root", async (f) => {
      const tree = await f.tree("Refs");
      expect(tree.entries).toBe(0);
      expect(tree.branch("Params").entries).toBe(2);
      expect(tree.branch("Links").entries).toBe(0);
      expect((await tree.read(["Params"])).length).toBe(2);
      let n = 0;
      for await (const b of tree.iterate({ branches: ["Params"], stepEntries: 1 })) n += b.length;
      expect(n).toBe(2);
      await expect(tree.read(["Params", "Links"])).rejects.toThrow(
        /tree "Refs": the requested branches hold different numbers of entries \("Params" 2, "Links" 0; the tree says 0\); read them separately/,
      );
      await expect(tree.read(["Params"], 0, 3)).rejects.toThrow(
        /branch "Params": entry range \[0, 3\) goes past the 2 entries the branch holds, although the tree says 0; the file is inconsistent/,
      );
      expect((await tree.read(["Links"])).length).toBe(0);
    });
  });
});

describe("ROOT names of split-object members", () => {
  it("accepts uproot's path as well as ROOT's own name, and lists one", async () => {
    await withFile("uproot-issue-1221.root", async (f) => {
      const tree = await f.tree("TrkAna/trkana");
      const names = tree.branches.map((b) => b.name);
      expect(names).toContain("demtch.poca.fCoordinates.fX");
      expect(names).not.toContain("demtch/demtch.poca.fCoordinates.fX");
      const own = await tree.read(["demtch.poca.fCoordinates.fX"]);
      const path = await tree.read(["demtch/demtch.poca.fCoordinates.fX"]);
      expect(Object.keys(path.columns)).toEqual(["demtch/demtch.poca.fCoordinates.fX"]);
      expect(events(path.columns["demtch/demtch.poca.fCoordinates.fX"]!, 1)).toEqual(events(own.columns["demtch.poca.fCoordinates.fX"]!, 1));
      expect(tree.branch("demtch/demtch.poca.fCoordinates.fX").name).toBe("demtch.poca.fCoordinates.fX");
    });
  });

  it("lists branches that share a name by their paths and asks for one when given the shared name", async () => {
    await withFile("uproot-issue-1221.root", async (f) => {
      const tree = await f.tree("TrkAna/trkana");
      const shared = tree.branches.map((b) => b.name).filter((n) => n.endsWith("/result"));
      expect(shared).toHaveLength(8);
      expect(shared).toContain("demtrkqual/result");
      expect(() => tree.branch("result")).toThrow(/branch name "result" is shared by 8 branches in tree "TrkAna\/trkana" .*use one of their paths: demtrkqual\/result, /);
    });
  });
});

describe("C++ spellings of char and integer types", () => {
  it("reads every char container as int8 (as uproot does) and the other integer spellings by size", () => {
    const et = (s: string): string | undefined => cppElementType(normaliseType(parseCppType(s)));
    for (const s of ["char", "signed char", "Char_t", "int8_t", "std::int8_t"]) expect(et(s), s).toBe("int8");
    for (const s of ["unsigned char", "UChar_t", "uint8_t"]) expect(et(s), s).toBe("uint8");
    expect(et("long long int")).toBe("int64");
    expect(et("unsigned short int")).toBe("uint16");
    const inner = normaliseType(parseCppType("vector<signed char>")).args[0]!;
    expect(cppElementType(inner)).toBe("int8");
  });
});
