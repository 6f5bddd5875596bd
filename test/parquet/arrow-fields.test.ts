import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  Bool,
  Dictionary,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeBinary,
  LargeList,
  LargeUtf8,
  List,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Uint16,
  Uint64,
  Uint8,
  Utf8,
  Binary,
  makeData,
  tableToIPC,
  vectorFromArray,
  type DataType,
} from "apache-arrow";
import { Table as WasmTable, writeParquet as wasmWriteParquet } from "parquet-wasm";
import { deriveArrowFields } from "../../src/parquet/arrow-fields.js";
import { ffiSchemaFields, type FfiField } from "../../src/parquet/ffi.js";
import { readFooter } from "../../src/parquet/footer.js";
import { openParquet } from "../../src/parquet/index.js";
import { describeColumns } from "../../src/parquet/schema.js";
import { parquetWasm } from "../../src/parquet/wasm.js";
import { FIXTURES_DIR } from "../shared-data.js";
import { serviceXStyleFile, tempDir } from "./helpers.js";
import { writeParquet } from "../../src/parquet/index.js";

const dir = tempDir("parquet-arrow-fields");

function footerOf(file: string): Uint8Array {
  const bytes = readFileSync(file);
  const n = bytes.readUInt32LE(bytes.length - 8);
  return bytes.subarray(bytes.length - 8 - n, bytes.length - 8);
}

/** A field tree without the dictionary value's name (the C Data Interface leaves it unset). */
function shape(f: FfiField): unknown {
  return { name: f.name, format: f.format, children: f.children.map(shape), ...(f.dictionary ? { dictionary: { format: f.dictionary.format, children: f.dictionary.children.map(shape) } } : {}) };
}

/** parquet-wasm's fields of a file, or its error. */
async function wasmFields(file: string): Promise<FfiField[] | Error> {
  try {
    const pf = await parquetWasm().ParquetFile.fromFile(new Blob([readFileSync(file)]));
    try {
      return ffiSchemaFields(pf.schema());
    } finally {
      pf.free();
    }
  } catch (error) {
    return error as Error;
  }
}

/**
 * The derivation against parquet-wasm for one file: equal field trees (and so equal branches)
 * when it derives; undefined is allowed (the reader then asks parquet-wasm), but never for a file
 * parquet-wasm refuses. Returns whether it derived.
 */
async function check(file: string): Promise<boolean> {
  const derived = deriveArrowFields(readFooter(footerOf(file), file));
  const wasm = await wasmFields(file);
  if (wasm instanceof Error) {
    expect(derived, `${file}: parquet-wasm refuses it (${wasm.message})`).toBeUndefined();
    return false;
  }
  if (!derived) return false;
  expect(derived.map(shape)).toEqual(wasm.map(shape));
  expect(describeColumns(derived)).toEqual(describeColumns(wasm));
  return true;
}

function writeArrow(name: string, columns: [string, DataType, ReturnType<typeof makeData>][], rowGroupSize?: number): string {
  const fields = columns.map(([n, t]) => new Field(n, t, false));
  const length = columns[0]![2].length;
  const rb = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length, children: columns.map((c) => c[2]) }));
  const file = path.join(dir, name);
  const props = rowGroupSize ? new (parquetWasm().WriterPropertiesBuilder)().setMaxRowGroupSize(rowGroupSize).build() : undefined;
  writeFileSync(file, wasmWriteParquet(WasmTable.fromIPCStream(tableToIPC(new Table(rb), "stream")), props));
  return file;
}

describe("Arrow fields derived from the footer equal parquet-wasm's", () => {
  const thirdParty = readdirSync(path.join(FIXTURES_DIR, "parquet-testing"))
    .filter((f) => f.endsWith(".parquet"))
    .map((f) => path.join(FIXTURES_DIR, "parquet-testing", f));
  const topcp = ["ttbar", "wjets"].map((s) => path.join(FIXTURES_DIR, "topcp", `${s}.parquet`));

  it.each(thirdParty)("%s", async (file) => {
    await check(file);
  });

  it("derives the TopCP fixtures (large_list, as ServiceX writes) and equals parquet-wasm on them", async () => {
    for (const file of topcp) expect(await check(file)).toBe(true);
  });

  it("derives the parquet-testing files of plain columns", async () => {
    const derived: string[] = [];
    for (const file of thirdParty) if (await check(file)) derived.push(path.basename(file));
    // Files of numbers, strings and standard lists (others hold dates, decimals, INT96, legacy lists...).
    expect(derived).toEqual(expect.arrayContaining(["datapage_v2.snappy.parquet", "rle_boolean_encoding.parquet", "list_columns.parquet"]));
  });

  it("derives sxflow's own files: numbers, booleans, list and large_list, fixed-size lists, strings, the tree column", async () => {
    const n = 4;
    const batch = {
      length: n,
      columns: {
        f: { kind: "flat" as const, values: new Float32Array([1, 2, 3, 4]) },
        b: { kind: "flat" as const, values: new Uint8Array([1, 0, 1, 0]), elementType: "bool" as const },
        u: { kind: "flat" as const, values: new BigUint64Array([1n, 2n, 3n, 4n]) },
        c: { kind: "flat" as const, values: new Int8Array([1, -2, 3, -4]) },
        fixed: { kind: "flat" as const, values: new Float64Array(8), shape: [2] },
        jag: { kind: "jagged" as const, offsets: Int32Array.from([0, 1, 1, 3, 4]), values: new Int16Array([1, 2, 3, 4]) },
        s: { kind: "string" as const, offsets: Int32Array.from([0, 1, 2, 3, 4]), values: new TextEncoder().encode("abcd") },
      },
    };
    for (const largeList of [true, false]) {
      const file = path.join(dir, `own-${largeList}.parquet`);
      await writeParquet(file, [batch], { largeList });
      expect(await check(file)).toBe(true);
    }
    const sx = path.join(dir, "servicex.parquet");
    writeFileSync(sx, serviceXStyleFile([{ tree: "reco", batch: { length: n, columns: { x: batch.columns.f } } }]));
    expect(await check(sx)).toBe(true);
  });

  it("derives Arrow types the hint changes: large strings and binary, binary as string, dictionaries, structs, nested lists", async () => {
    const ints = makeData({ type: new Int32(), length: 3, data: new Int32Array([1, 2, 3]) });
    const strings = vectorFromArray(["a", "bb", "a"], new Utf8()).data[0]!;
    const large = vectorFromArray(["a", "bb", "a"], new LargeUtf8()).data[0]!;
    const bin = vectorFromArray([new Uint8Array([1]), new Uint8Array([2, 3]), new Uint8Array([])], new Binary()).data[0]!;
    const largeBin = vectorFromArray([new Uint8Array([1]), new Uint8Array([2, 3]), new Uint8Array([])], new LargeBinary()).data[0]!;
    const dict = vectorFromArray(["a", "bb", "a"], new Dictionary(new Utf8(), new Int16())).data[0]!;
    const point = new Struct([new Field("x", new Float32(), false), new Field("y", new Uint8(), false)]);
    const structs = makeData({
      type: point,
      length: 3,
      children: [makeData({ type: new Float32(), length: 3, data: new Float32Array(3) }), makeData({ type: new Uint8(), length: 3, data: new Uint8Array(3) })],
    });
    const inner = new List(new Field("item", new Uint16(), false));
    const nested = vectorFromArray([[[1], [2, 3]], [], [[4]]], new List(new Field("item", inner, false))).data[0]!;
    const fsl = new FixedSizeList(2, new Field("item", new Int64(), false));
    const fixed = makeData({ type: fsl, length: 3, child: makeData({ type: new Int64(), length: 6, data: new BigInt64Array(6) }) });
    const ll = new LargeList(new Field("item", new Bool(), false));
    const bools = vectorFromArray([[true], [false, true], []], ll).data[0]!;
    const u64 = makeData({ type: new Uint64(), length: 3, data: new BigUint64Array(3) });
    const i8 = makeData({ type: new Int8(), length: 3, data: new Int8Array(3) });
    const f64 = makeData({ type: new Float64(), length: 3, data: new Float64Array(3) });
    const file = writeArrow("hinted.parquet", [
      ["i", new Int32(), ints],
      ["s", new Utf8(), strings],
      ["ls", new LargeUtf8(), large],
      ["bin", new Binary(), bin],
      ["lbin", new LargeBinary(), largeBin],
      ["dict", dict.type, dict],
      ["point", point, structs],
      ["nested", nested.type, nested],
      ["fixed", fsl, fixed],
      ["bools", ll, bools],
      ["u64", new Uint64(), u64],
      ["i8", new Int8(), i8],
      ["f64", new Float64(), f64],
    ]);
    expect(await check(file)).toBe(true);
    const r = await openParquet(file);
    expect(r.branches.find((b) => b.name === "dict")).toMatchObject({ type: "dictionary<values=string, indices=int16>", strings: true });
    r.close();
  });

  it("does not derive a footer parquet-rs would refuse, nor an embedded schema it cannot read", async () => {
    const file = topcp[1]!;
    const footer = readFooter(footerOf(file), file);
    expect(deriveArrowFields(footer)).toBeDefined();
    expect(deriveArrowFields({ ...footer, rowGroups: footer.rowGroups.map((g) => ({ ...g, columns: g.columns!.slice(1) })) })).toBeUndefined();
    expect(deriveArrowFields({ ...footer, keyValues: footer.keyValues.map((kv) => (kv.key === "ARROW:schema" ? { ...kv, value: `${kv.value!.slice(0, -8)}!!!!!!!!` } : kv)) })).toBeUndefined();
    expect(deriveArrowFields({ ...footer, odd: "a required field absent" })).toBeUndefined();
    // parquet-rs: "Column order length mismatch".
    expect(deriveArrowFields({ ...footer, columnOrders: footer.schema.length })).toBeUndefined();
    expect(deriveArrowFields({ ...footer, columnOrders: footer.rowGroups[0]!.columns!.length })).toBeDefined();
  });
});
