import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  Field,
  Float32,
  Int32,
  LargeList,
  List,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  tableFromIPC,
  tableToIPC,
  Table,
  Utf8,
  vectorFromArray,
  Binary,
  Bool,
  Type,
} from "apache-arrow";
import {
  arrowToBatch,
  arrowToColumn,
  batchToArrow,
  packBits,
  unpackBits,
  validateBatch,
  type Batch,
  type JaggedColumn,
} from "../../src/batch/index.js";

function sample(): Batch {
  return {
    length: 4,
    columns: {
      f32: { kind: "flat", values: new Float32Array([1.5, -2, 3, 4]) },
      f64: { kind: "flat", values: new Float64Array([1e300, 0, -1, 2]) },
      i8: { kind: "flat", values: new Int8Array([-128, 0, 1, 127]) },
      u8: { kind: "flat", values: new Uint8Array([0, 1, 2, 255]) },
      i16: { kind: "flat", values: new Int16Array([-32768, 0, 1, 32767]) },
      u16: { kind: "flat", values: new Uint16Array([0, 1, 2, 65535]) },
      i32: { kind: "flat", values: new Int32Array([-(2 ** 31), 0, 1, 2 ** 31 - 1]) },
      u32: { kind: "flat", values: new Uint32Array([0, 1, 2, 2 ** 32 - 1]) },
      i64: { kind: "flat", values: new BigInt64Array([-(2n ** 63n), 0n, 1n, 2n ** 63n - 1n]) },
      u64: { kind: "flat", values: new BigUint64Array([0n, 1n, 2n, 2n ** 64n - 1n]) },
      flag: { kind: "flat", values: new Uint8Array([1, 0, 0, 1]), elementType: "bool" },
      fixed: { kind: "flat", values: new Float32Array([...Array(24).keys()]), shape: [3, 2] },
      jet_pt: { kind: "jagged", offsets: new Int32Array([0, 2, 2, 5, 6]), values: new Float32Array([6, 5, 4, 3, 2, 1]) },
      jet_btag: {
        kind: "jagged",
        offsets: new Int32Array([0, 1, 1, 3, 3]),
        values: new Uint8Array([1, 0, 1]),
        elementType: "bool",
      },
      nested: {
        kind: "jagged",
        offsets: new Int32Array([0, 1, 1, 3, 3]),
        values: { kind: "jagged", offsets: new Int32Array([0, 2, 2, 3]), values: new Float64Array([1, 2, 3]) },
      },
    },
  };
}

describe("batchToArrow / arrowToBatch", () => {
  it("maps sxflow columns to the expected Arrow types", () => {
    const rb = batchToArrow(sample());
    const types = Object.fromEntries(rb.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toEqual({
      f32: "Float32",
      f64: "Float64",
      i8: "Int8",
      u8: "Uint8",
      i16: "Int16",
      u16: "Uint16",
      i32: "Int32",
      u32: "Uint32",
      i64: "Int64",
      u64: "Uint64",
      flag: "Bool",
      fixed: "FixedSizeList[3]<FixedSizeList[2]<Float32>>",
      jet_pt: "List<Float32>",
      jet_btag: "List<Bool>",
      nested: "List<List<Float64>>",
    });
    expect(rb.getChild("flag")!.toArray()).toEqual([true, false, false, true]);
    expect(rb.getChild("jet_btag")!.get(2)!.toArray()).toEqual([false, true]);
    expect(rb.getChild("u64")!.get(3)).toBe(2n ** 64n - 1n);
    expect(rb.schema.fields.every((f) => !f.nullable)).toBe(true);
  });

  it("round-trips every column kind, in memory and through Arrow IPC", () => {
    const batch = sample();
    const back = arrowToBatch(batchToArrow(batch));
    expect(back).toEqual(batch);
    const viaIpc = arrowToBatch(tableFromIPC(tableToIPC(new Table(batchToArrow(batch)), "stream")));
    expect(viaIpc).toEqual(batch);
    validateBatch(viaIpc);
  });

  it("shares numeric buffers and Int32 offsets instead of copying", () => {
    const batch = sample();
    const rb = batchToArrow(batch);
    const jet = batch.columns.jet_pt as JaggedColumn;
    const data = rb.getChild("jet_pt")!.data[0]!;
    expect(data.valueOffsets).toBe(jet.offsets);
    expect(data.children[0]!.values).toBe(jet.values);
    const back = arrowToBatch(rb).columns.jet_pt as JaggedColumn;
    expect(back.offsets.buffer).toBe(jet.offsets.buffer);
    expect((back.values as Float32Array).buffer).toBe((jet.values as Float32Array).buffer);
    expect((arrowToBatch(rb).columns.i64!.values as BigInt64Array).buffer).toBe((batch.columns.i64!.values as BigInt64Array).buffer);
  });

  it("writes LargeList with 64-bit offsets on request and reads it back as Int32 offsets", () => {
    const batch = sample();
    const rb = batchToArrow(batch, { largeList: true });
    expect(String(rb.getChild("nested")!.type)).toBe("LargeList<LargeList<Float64>>");
    expect(rb.getChild("jet_pt")!.data[0]!.valueOffsets).toBeInstanceOf(BigInt64Array);
    const back = arrowToBatch(tableFromIPC(tableToIPC(new Table(rb), "stream")));
    expect(back).toEqual(batch);
    expect((back.columns.jet_pt as JaggedColumn).offsets).toBeInstanceOf(Int32Array);
  });

  it("keeps jagged offsets that do not start at zero (a slice of a larger batch)", () => {
    const batch: Batch = {
      length: 2,
      columns: { x: { kind: "jagged", offsets: new Int32Array([3, 5, 6]), values: new Int32Array([0, 1, 2, 3, 4, 5, 6]) } },
    };
    const vec = batchToArrow(batch).getChild("x")!;
    expect(vec.get(0)!.toArray()).toEqual(new Int32Array([3, 4]));
    expect(vec.get(1)!.toArray()).toEqual(new Int32Array([5]));
    expect(arrowToBatch(batchToArrow(batch))).toEqual(batch);
  });

  it("reads sliced Arrow vectors (bit offsets of Bool, element offsets of lists)", () => {
    const bools = vectorFromArray([true, false, true, true, false, false, true, true, true, false], new Bool());
    expect(arrowToColumn(bools.slice(3, 9).data[0]!, "b")).toEqual({
      kind: "flat",
      values: new Uint8Array([1, 0, 0, 1, 1, 1]),
      elementType: "bool",
    });
    const lists = vectorFromArray([[1, 2], [3], [], [4, 5, 6]], new List(new Field("item", new Int32(), true)));
    const col = arrowToColumn(lists.slice(1, 4).data[0]!, "l") as JaggedColumn;
    expect(Array.from(col.offsets)).toEqual([2, 3, 3, 6]);
    expect(Array.from((col.values as Int32Array).subarray(col.offsets[0], col.offsets[3]))).toEqual([3, 4, 5, 6]);
    const floats = makeVector(new Float32Array([0, 1, 2, 3, 4, 5]));
    expect(arrowToColumn(floats.slice(2, 5).data[0]!, "f")).toEqual({ kind: "flat", values: new Float32Array([2, 3, 4]) });
  });

  it("rejects LargeList offsets beyond 2^31 with the column name", () => {
    const child = makeData({ type: new Float32(), length: 1, data: new Float32Array(1) });
    const data = makeData({
      type: new LargeList(new Field("item", new Float32(), false)),
      length: 1,
      valueOffsets: new BigInt64Array([0n, 2n ** 31n]),
      child,
      nullCount: 0,
    } as never);
    expect(data.type.typeId).toBe(Type.LargeList);
    const largest = makeData({
      type: new LargeList(new Field("item", new Float32(), false)),
      length: 2,
      valueOffsets: new BigInt64Array([5n, 70000n, 2n ** 31n - 1n]),
      child,
      nullCount: 0,
    } as never);
    expect((arrowToColumn(largest, "x") as JaggedColumn).offsets).toEqual(new Int32Array([5, 70000, 2 ** 31 - 1]));
    expect(() => arrowToColumn(data, "jet_pt_NOSYS")).toThrow(/column "jet_pt_NOSYS": LargeList offset 2147483648 exceeds 2\^31-1/);
  });

  it("rejects nulls and unsupported types with the column name", () => {
    const withNull = vectorFromArray([1, null, 3], new Int32());
    expect(() => arrowToColumn(withNull.data[0]!, "n")).toThrow(/column "n": 1 null values/);
    const strings = vectorFromArray(["a", "b"], new Utf8());
    expect(arrowToColumn(strings.data[0]!, "s")).toEqual({ kind: "string", offsets: new Int32Array([0, 1, 2]), values: new TextEncoder().encode("ab") });
    const bytes = vectorFromArray([new Uint8Array([1])], new Binary());
    expect(() => arrowToColumn(bytes.data[0]!, "b")).toThrow(/column "b": Arrow type Binary is not supported/);
    const schema = new Schema([new Field("s", new Utf8())]);
    const rb = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 2, children: [strings.data[0]!] }));
    expect(() => arrowToBatch(rb, ["missing"])).toThrow(/no column "missing"/);
  });

  it("rejects a column whose length differs from the batch", () => {
    const bad: Batch = { length: 3, columns: { x: { kind: "flat", values: new Float32Array(2) } } };
    expect(() => batchToArrow(bad)).toThrow(/column "x" holds 2 events, the batch has 3/);
  });

  it("packs and unpacks bits LSB first", () => {
    fc.assert(
      fc.property(fc.uint8Array({ min: 0, max: 1, maxLength: 100 }), fc.nat(7), (bytes, shift) => {
        const packed = packBits(new Uint8Array([...new Array<number>(shift).fill(0), ...bytes]));
        expect(unpackBits(packed, shift, bytes.length)).toEqual(bytes);
      }),
    );
  });

  it("round-trips columns sharing one offsets array whose lists are all empty (apache-arrow IPC writer bug)", () => {
    for (const n of [3, 7]) {
      const offsets = new Int32Array(n + 1);
      const values = new Float32Array(0);
      const batch: Batch = {
        length: n,
        columns: {
          a: { kind: "jagged", offsets, values },
          b: { kind: "jagged", offsets, values: { kind: "jagged", offsets: new Int32Array(1), values: new Int16Array(0) } },
        },
      };
      const rb = batchToArrow(batch);
      expect(arrowToBatch(tableFromIPC(tableToIPC(new Table(rb), "stream")))).toEqual(batch);
    }
  });

  it("round-trips random jagged and doubly jagged columns (property)", () => {
    const counts = fc.array(fc.nat(5), { maxLength: 30 });
    fc.assert(
      fc.property(counts, fc.boolean(), (n, large) => {
        const offsets = new Int32Array(n.length + 1);
        for (let i = 0; i < n.length; i++) offsets[i + 1] = offsets[i]! + n[i]!;
        const total = offsets[n.length]!;
        const innerOffsets = new Int32Array(total + 1);
        for (let i = 0; i < total; i++) innerOffsets[i + 1] = innerOffsets[i]! + (i % 3);
        const batch: Batch = {
          length: n.length,
          columns: {
            a: { kind: "jagged", offsets, values: Float32Array.from({ length: total }, (_, i) => i * 0.5) },
            b: {
              kind: "jagged",
              offsets,
              values: { kind: "jagged", offsets: innerOffsets, values: new Int16Array(innerOffsets[total]!).fill(7) },
            },
          },
        };
        const ipc = tableToIPC(new Table(batchToArrow(batch, { largeList: large })), "stream");
        expect(arrowToBatch(tableFromIPC(ipc))).toEqual(batch);
      }),
      { numRuns: 50 },
    );
  });
});
