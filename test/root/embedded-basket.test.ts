import { describe, expect, it } from "vitest";
import { basketRefs } from "../../src/root/basket.js";
import { Cursor } from "../../src/root/cursor.js";
import { decodeBasket } from "../../src/root/decode.js";
import { Deserializer } from "../../src/root/serialization.js";
import { TREE_CLASS_READERS, type BranchModel, type EmbeddedBasket } from "../../src/root/ttree.js";

/**
 * No file in the test data holds a basket embedded in its branch metadata (written by ROOT for
 * baskets still in memory when the tree was saved), so this builds the bytes TBasket::Streamer
 * writes inside fBaskets and reads them back through the same class readers the TTree uses.
 */
class Writer {
  private bytes: number[] = [];
  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }
  i16(v: number): this {
    return this.u8(v >> 8).u8(v);
  }
  i32(v: number): this {
    return this.i16(v >>> 16).i16(v);
  }
  str(s: string): this {
    this.u8(s.length);
    for (const ch of s) this.u8(ch.charCodeAt(0));
    return this;
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.u8(b[i]!);
    return this;
  }
  get length(): number {
    return this.bytes.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** Entries of std::vector<int32_t>: a 10-byte header then the values. */
function vectorEntries(entries: number[][]): { data: Uint8Array; offsets: number[] } {
  const w = new Writer();
  const offsets: number[] = [];
  for (const e of entries) {
    offsets.push(w.length);
    w.i32(0x40000000 | (6 + 4 * e.length)).i16(9).i32(e.length);
    for (const v of e) w.i32(v);
  }
  return { data: w.done(), offsets };
}

function embeddedBasketArray(entries: number[][], flag: number): Uint8Array {
  const { data, offsets } = vectorEntries(entries);
  const head = new Writer().i32(0).i16(4).i32(0).i32(0).i16(0).i16(1).i32(0).i32(100).str("TBasket").str("v").str("t");
  const keylen = head.length + 19;
  const basket = new Writer()
    .i32(0) // fNbytes <= fKeylen marks an embedded basket
    .i16(4)
    .i32(keylen + data.length)
    .i32(0)
    .i16(keylen)
    .i16(1)
    .i32(0)
    .i32(100)
    .str("TBasket")
    .str("v")
    .str("t")
    .i16(3)
    .i32(32000)
    .i32(0)
    .i32(entries.length)
    .i32(keylen + data.length)
    .u8(flag);
  if (flag % 10 !== 2) {
    basket.i32(entries.length);
    for (const o of offsets) basket.i32(o + keylen);
  }
  basket.raw(new Uint8Array(keylen)).raw(data);
  const object = new Writer().i32(0xffffffff).raw([..."TBasket"].map((c) => c.charCodeAt(0))).u8(0).raw(basket.done());
  const body = new Writer().i16(3).i16(1).i32(0).i32(0x03000000).str("").i32(1).i32(0).i32(0x40000000 | object.length).raw(object.done());
  return new Writer().i32(0x40000000 | body.length).raw(body.done()).done();
}

describe("ROOT embedded baskets", () => {
  const entries = [[1, 2, 3], [], [42], [-7, 8]];

  it("reads a basket streamed inside fBaskets, with its entry offsets", () => {
    const c = new Cursor(embeddedBasketArray(entries, 11), "test");
    const [basket] = new Deserializer(c, TREE_CLASS_READERS).readObjArray() as EmbeddedBasket[];
    expect(c.remaining).toBe(0);
    expect(basket!.nevbuf).toBe(4);
    expect(Array.from(basket!.offsets!)).toEqual([0, 22, 32, 46, 64]);
    const piece = decodeBasket(basket!, { kind: "vector", elementType: "int32" }, "test");
    expect(Array.from(piece.offsets!)).toEqual([0, 3, 3, 4, 6]);
    expect(Array.from(new Int32Array(piece.values.slice().buffer))).toEqual([1, 2, 3, 42, -7, 8]);
  });

  it("reads an embedded basket written without offsets and places it after the out-of-line baskets", () => {
    const c = new Cursor(embeddedBasketArray(entries, 12), "test");
    const [basket] = new Deserializer(c, TREE_CLASS_READERS).readObjArray() as EmbeddedBasket[];
    expect(basket!.offsets).toBeNull();
    const piece = decodeBasket(basket!, { kind: "vector", elementType: "int32" }, "test");
    expect(Array.from(new Int32Array(piece.values.slice().buffer))).toEqual([1, 2, 3, 42, -7, 8]);
    const branch = {
      writeBasket: 1,
      basketSeek: [1000, 0],
      basketEntry: [0, 10],
      basketBytes: [300, 0],
      entries: 14,
      embedded: [basket!],
    } as unknown as BranchModel;
    expect(basketRefs(branch, "test").map((r) => [r.index, r.entryStart, r.entryStop, r.seek])).toEqual([
      [0, 0, 10, 1000],
      [1, 10, 14, -1],
    ]);
  });
});
