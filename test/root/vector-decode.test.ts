import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sliceBatch } from "../../src/batch/index.js";
import type { ElementType } from "../../src/batch/types.js";
import { BasketPlace, readBasket } from "../../src/root/basket.js";
import { decodeBasket } from "../../src/root/decode.js";
import { openRoot } from "../../src/root/index.js";
import { decodeVectorsInPlace, VECTOR_KERNEL_MAX_BYTES } from "../../src/root/vector-kernel.js";
import { FIXTURES_DIR, ROOT_FIXTURES } from "../shared-data.js";

const ITEM: Record<number, ElementType> = { 1: "uint8", 2: "int16", 4: "float32", 8: "float64" };

/**
 * A std::vector basket as ROOT writes it: per entry a byte count (with the 0x40000000 flag), a
 * 2-byte version, a big-endian value count and the big-endian values; `lead` bytes of other
 * data before the first entry. Returns the bytes, the entry byte offsets, and the values in
 * native byte order with their value offsets, as a decoder must produce them.
 */
function vectorBasket(entries: Uint8Array[], itemSize: number, lead: number) {
  const parts: Buffer[] = [Buffer.alloc(lead, 0x77)];
  const table = [lead];
  const native: number[] = [];
  const valueOffsets = [0];
  for (const bytes of entries) {
    const n = bytes.length / itemSize;
    const head = Buffer.alloc(10);
    head.writeUInt32BE(0x40000000 | (6 + bytes.length), 0);
    head.writeUInt16BE(9, 4);
    head.writeInt32BE(n, 6);
    parts.push(head, Buffer.from(bytes));
    table.push(table[table.length - 1]! + 10 + bytes.length);
    // The file holds big-endian items: each item's bytes reversed give native order.
    for (let k = 0; k < n; k++) native.push(...bytes.subarray(k * itemSize, (k + 1) * itemSize).reverse());
    valueOffsets.push(valueOffsets[valueOffsets.length - 1]! + n);
  }
  return { data: Uint8Array.from(Buffer.concat(parts)), table: Int32Array.from(table), native: Uint8Array.from(native), valueOffsets };
}

const basketArb = fc.constantFrom(1, 2, 4, 8).chain((itemSize) =>
  fc.record({
    itemSize: fc.constant(itemSize),
    lead: fc.nat(12),
    // Mostly a few values per entry, as physics objects are, sometimes long vectors.
    entries: fc.array(
      fc.oneof({ weight: 4, arbitrary: fc.nat(4) }, { weight: 1, arbitrary: fc.nat(70) }).chain((n) => fc.uint8Array({ minLength: n * itemSize, maxLength: n * itemSize })),
      { maxLength: 60 },
    ),
  }),
);

describe("std::vector baskets", () => {
  it("decodes like a naive reader, through the WebAssembly kernel (offset table) and JavaScript (none)", () => {
    fc.assert(
      fc.property(basketArb, ({ itemSize, lead, entries }) => {
        const b = vectorBasket(entries, itemSize, lead);
        const interp = { kind: "vector", elementType: ITEM[itemSize]! } as const;
        const viaTable = decodeBasket({ nevbuf: entries.length, data: b.data.slice(), offsets: b.table.slice() }, interp, "w");
        expect(Array.from(viaTable.offsets!)).toEqual(b.valueOffsets);
        expect(Buffer.from(viaTable.values).equals(b.native)).toBe(true);
        if (lead === 0) {
          // Without a table entries are found by their headers, which needs them to start at 0.
          const viaHeaders = decodeBasket({ nevbuf: entries.length, data: b.data.slice(), offsets: null }, interp, "w");
          expect(viaHeaders).toEqual(viaTable);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("rejects any inconsistent header or offset with the JavaScript decoder's message, leaving the input unchanged", () => {
    fc.assert(
      fc.property(
        basketArb.filter((x) => x.entries.length > 0),
        fc.nat(),
        fc.constantFrom("count", "bytecount", "offset"),
        ({ itemSize, lead, entries }, pick, what) => {
          const b = vectorBasket(entries, itemSize, lead);
          const i = pick % entries.length;
          const data = b.data.slice();
          const table = b.table.slice();
          const dv = new DataView(data.buffer);
          if (what === "count") dv.setInt32(table[i]! + 6, dv.getInt32(table[i]! + 6) + 1);
          else if (what === "bytecount") dv.setUint32(table[i]!, dv.getUint32(table[i]!) + 1);
          else table[i + 1] = i + 1 === entries.length ? data.length + 4 : table[i + 1]! - 1;
          const before = { data: data.slice(), table: table.slice() };
          expect(decodeVectorsInPlace(data, table, entries.length, itemSize)).toBe(-1);
          expect(data).toEqual(before.data);
          expect(table).toEqual(before.table);
          expect(() => decodeBasket({ nevbuf: entries.length, data, offsets: table }, { kind: "vector", elementType: ITEM[itemSize]! }, "w")).toThrow(
            /^w: entry \d+ (holds -?\d+ bytes, inconsistent with its vector header|runs past the basket data)/,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("decodes a basket above the kernel's size limit in JavaScript, with its offset table", () => {
    let x = 7;
    const entries = Array.from({ length: 1300 }, (_, i) => {
      const e = new Uint8Array(i % 7 === 0 ? 0 : 4 * (2000 + (i % 5)));
      for (let k = 0; k < e.length; k++) e[k] = x = (Math.imul(x, 1103515245) + 12345) >>> 16;
      return e;
    });
    const b = vectorBasket(entries, 4, 3);
    expect(b.data.length).toBeGreaterThan(VECTOR_KERNEL_MAX_BYTES);
    const piece = decodeBasket({ nevbuf: entries.length, data: b.data, offsets: b.table }, { kind: "vector", elementType: "float32" }, "w");
    expect(Array.from(piece.offsets!)).toEqual(b.valueOffsets);
    expect(Buffer.from(piece.values).equals(b.native)).toBe(true);
  });

  it("rejects negative and out-of-range entry offsets", () => {
    const b = vectorBasket([Uint8Array.of(1, 2, 3, 4), Uint8Array.of(5, 6, 7, 8)], 4, 0);
    for (const table of [Int32Array.of(-10, 14, 28), Int32Array.of(0, 14, 1 << 30), Int32Array.of(0x7ffffff8, 14, 28)]) {
      expect(decodeVectorsInPlace(b.data.slice(), table, 2, 4)).toBe(-1);
      expect(() => decodeBasket({ nevbuf: 2, data: b.data.slice(), offsets: table }, { kind: "vector", elementType: "float32" }, "w")).toThrow(/^w: entry [01] (starts at byte -10|runs past|holds)/);
    }
  });

  it("decodes the repository's vector baskets as the JavaScript decoder does", async () => {
    for (const [file, tree, branch, type] of [
      ["unroot-tree_with_jagged_array.root", "t1", "int32_array", "int32"],
      ["unroot-tree_with_jagged_array_double.root", "t1", "double_array", "float64"],
      ["uproot-issue-172.root", "events", "rec_part_px", "float32"],
    ] as const) {
      await compareOnRealBaskets(path.join(FIXTURES_DIR, "root", file), tree, branch, type);
    }
  });

  it("decodes HZZ-objects' vector baskets as the JavaScript decoder does", async () => {
    for (const [branch, type] of [["jetbtag", "float32"], ["muonq", "int32"], ["jetid", "bool"]] as const) {
      await compareOnRealBaskets(path.join(ROOT_FIXTURES, "uproot-HZZ-objects.root"), "events", branch, type);
    }
  });

  it("reads ranges across vector baskets' boundaries the same as slicing a full read", async () => {
    const file = await openRoot(path.join(ROOT_FIXTURES, "uproot-HZZ-objects.root"));
    try {
      const tree = await file.tree("events");
      const names = ["jetbtag", "muonq", "jetid", "electroniso"];
      const boundary = tree.baskets("jetbtag")[1]!.entryStart;
      expect(boundary).toBeGreaterThan(0);
      const full = await tree.read(names);
      for (const [a, b] of [[boundary - 1, boundary + 1], [boundary, boundary + 1], [boundary - 1, boundary], [3, tree.entries - 2]]) {
        expect(await tree.read(names, a, b)).toEqual(sliceBatch(full, a!, b!));
      }
      let at = 0;
      for await (const batch of tree.iterate({ branches: names, stepEntries: 333 })) {
        expect(batch).toEqual(sliceBatch(full, at, at + batch.length));
        at += batch.length;
      }
      expect(at).toBe(tree.entries);
    } finally {
      await file.close();
    }
  });
});

/** Every basket of a branch decoded with its offset table (kernel) and without (JavaScript, by headers). */
async function compareOnRealBaskets(file: string, treeName: string, branch: string, elementType: ElementType): Promise<void> {
  const bytes = readFileSync(file);
  const f = await openRoot(file);
  try {
    const tree = await f.tree(treeName);
    const interp = { kind: "vector", elementType } as const;
    let values = 0;
    for (const ref of tree.baskets(branch)) {
      const raw = await readBasket(new Uint8Array(bytes.buffer, bytes.byteOffset + ref.seek, ref.bytes), ref, new BasketPlace(branch, ref.index, ref.seek));
      expect(raw.offsets).not.toBeNull();
      const viaTable = decodeBasket({ nevbuf: raw.nevbuf, data: raw.data.slice(), offsets: raw.offsets!.slice() }, interp, "w");
      const viaHeaders = decodeBasket({ nevbuf: raw.nevbuf, data: raw.data.slice(), offsets: null }, interp, "w");
      expect(viaTable).toEqual(viaHeaders);
      values += viaTable.offsets![raw.nevbuf]!;
    }
    expect(values).toBeGreaterThan(0);
  } finally {
    await f.close();
  }
}
