import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  Dictionary,
  Field,
  Int16,
  Int32,
  LargeUtf8,
  List,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  tableToIPC,
  vectorFromArray,
} from "apache-arrow";
import { Encoding, ParquetFile, Table as WasmTable, WriterPropertiesBuilder, writeParquet as wasmWriteParquet } from "parquet-wasm";
import type { Batch, Column } from "../../src/batch/index.js";
import { openRoot } from "../../src/index.js";
import { openParquet, writeParquet } from "../../src/parquet/index.js";
import { openTreeSource } from "../../src/sources/index.js";
import { ROOT_FIXTURES } from "../shared-data.js";
import { tempDir } from "./helpers.js";

const dir = tempDir("parquet-strings");
const utf8 = new TextDecoder();

/** Event i of a column as plain JS (strings and nested lists). */
function plain(c: Column, i: number): unknown {
  if (c.kind === "string") return utf8.decode(c.values.subarray(c.offsets[i], c.offsets[i + 1]));
  if (c.kind === "jagged") {
    const inner = c.values as Column;
    return Array.from({ length: c.offsets[i + 1]! - c.offsets[i]! }, (_, k) => plain(inner, c.offsets[i]! + k));
  }
  return Number(c.values[i]);
}
const events = (b: Batch, name: string): unknown[] => Array.from({ length: b.length }, (_, i) => plain(b.columns[name]!, i));

/** The encodings of each column chunk of a file, by column path, over all row groups. */
async function encodings(file: string): Promise<Map<string, Set<string>>> {
  const pf = await ParquetFile.fromFile(new Blob([readFileSync(file)]));
  const out = new Map<string, Set<string>>();
  for (const rg of pf.metadata().rowGroups()) {
    for (const c of rg.columns()) {
      const key = c.columnPath().join(".");
      const s = out.get(key) ?? new Set<string>();
      for (const e of c.encodings()) s.add(Encoding[e]!);
      out.set(key, s);
    }
  }
  pf.free();
  return out;
}

describe("Parquet string columns", () => {
  // std::string, vector<string>, vector<vector<string>> from a ROOT-written file (uproot-stl_containers.root).
  const NAMES = ["string", "vector_string", "vector_vector_string"];

  for (const dictionary of [false, true]) {
    it(`read back what writeParquet wrote from ROOT strings (${dictionary ? "dictionary" : "plain"} encoding), in any entry range`, async () => {
      const f = await openRoot(path.join(ROOT_FIXTURES, "uproot-stl_containers.root"));
      const batch = await (await f.tree("tree")).read(NAMES);
      await f.close();
      const file = path.join(dir, `stl-${dictionary}.parquet`);
      await writeParquet(file, [batch], { dictionary, rowGroupSize: 2 });
      const enc = await encodings(file);
      expect(enc.get("string")!.has("RLE_DICTIONARY")).toBe(dictionary);

      const r = await openParquet(file);
      expect(r.branches.filter((b) => b.strings).map((b) => [b.name, b.kind, b.depth])).toEqual([
        ["string", "flat", undefined],
        ["vector_string", "jagged", 1],
        ["vector_vector_string", "jagged", 2],
      ]);
      const back = await r.read(NAMES);
      expect(back).toEqual(batch);
      const part = await r.read(["string", "vector_string"], 1, 4);
      expect(events(part, "string")).toEqual(["two", "three", "four"]);
      expect(events(part, "vector_string")).toEqual([["one", "two"], ["one", "two", "three"], ["one", "two", "three", "four"]]);
      const stepped: unknown[] = [];
      for await (const b of r.iterate({ branches: ["vector_vector_string"], stepEntries: 1 })) stepped.push(...events(b, "vector_vector_string"));
      expect(stepped).toEqual(events(batch, "vector_vector_string"));
      expect(await r.read(["string"], 2, 2)).toEqual({ length: 0, columns: { string: { kind: "string", offsets: new Int32Array(1), values: new Uint8Array(0) } } });
      r.close();

      // The pipeline's view: a string branch usable in expressions.
      const source = await openTreeSource(file, "tree");
      expect(source.branches.get("string")).toEqual({ kind: "flat", strings: true });
      expect(source.branches.get("vector_string")).toEqual({ kind: "jagged", depth: 1, strings: true });
      await source.close();
    });
  }

  it("reads Utf8, LargeUtf8, dictionary<Utf8> and list<Utf8> columns written by apache-arrow and parquet-wasm", async () => {
    const words = ["b", "", "ttbar", "b", "Wjets", "ünïcødé", "b"];
    const n = words.length;
    const large = (() => {
      const bytes = new TextEncoder().encode(words.join(""));
      const offsets = new BigInt64Array(n + 1);
      let at = 0;
      words.forEach((w, i) => (offsets[i + 1] = BigInt((at += new TextEncoder().encode(w).length))));
      return makeData({ type: new LargeUtf8(), length: n, valueOffsets: offsets, data: bytes, nullCount: 0 } as never);
    })();
    const plainCol = vectorFromArray(words, new Utf8()).data[0]!;
    const dict16 = vectorFromArray(words, new Dictionary(new Utf8(), new Int16())).data[0]!;
    const dict32 = vectorFromArray(words, new Dictionary(new Utf8(), new Int32())).data[0]!;
    const lists = vectorFromArray(
      words.map((w, i) => words.slice(0, i % 3).concat(w)),
      new List(new Field("item", new Utf8(), false)),
    ).data[0]!;
    const fields = [
      new Field("plain", new Utf8(), false),
      new Field("large", new LargeUtf8(), false),
      new Field("dict16", new Dictionary(new Utf8(), new Int16()), false),
      new Field("dict32", new Dictionary(new Utf8(), new Int32()), false),
      new Field("lists", new List(new Field("item", new Utf8(), false)), false),
    ];
    const rb = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, children: [plainCol, large, dict16, dict32, lists] }));
    for (const dictionary of [false, true]) {
      const file = path.join(dir, `arrow-${dictionary}.parquet`);
      const props = new WriterPropertiesBuilder().setDictionaryEnabled(dictionary).setMaxRowGroupSize(3).build();
      writeFileSync(file, wasmWriteParquet(WasmTable.fromIPCStream(tableToIPC(new Table(rb), "stream")), props));
      expect((await encodings(file)).get("plain")!.has("RLE_DICTIONARY")).toBe(dictionary);
      const r = await openParquet(file);
      expect(r.unsupported).toEqual([]);
      expect(r.branches.map((b) => [b.name, b.type, b.strings])).toEqual([
        ["plain", "string", true],
        ["large", "large_string", true],
        ["dict16", "dictionary<values=string, indices=int16>", true],
        ["dict32", "dictionary<values=string, indices=int32>", true],
        ["lists", "list<string>", true],
      ]);
      const all = await r.read(["plain", "large", "dict16", "dict32", "lists"]);
      for (const name of ["plain", "large", "dict16", "dict32"]) expect(events(all, name), name).toEqual(words);
      expect(events(all, "lists")).toEqual(words.map((w, i) => words.slice(0, i % 3).concat(w)));
      // A range inside and across row groups of 3 rows.
      const part = await r.read(["dict16", "large"], 2, 6);
      expect(events(part, "dict16")).toEqual(words.slice(2, 6));
      expect(events(part, "large")).toEqual(words.slice(2, 6));
      r.close();
    }
  });
});
