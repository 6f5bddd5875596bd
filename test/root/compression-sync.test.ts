import path from "node:path";
import { describe, expect, it } from "vitest";
import { decompressBasket, decompressBasketSync } from "../../src/root/compression/index.js";
import { ROOT_FIXTURES } from "../shared-data.js";
import { type KeyRecord, readKeys } from "./compression-keys.js";

// A file of its own: vitest isolates test files, so zstd's WASM decoder starts uninitialised here.

function compressed(file: string): KeyRecord[] {
  return readKeys(path.join(ROOT_FIXTURES, file)).filter((k) => k.payload.length !== k.objlen);
}

/** A place whose text is built only on error, as the reader passes it. */
class Place {
  built = 0;
  toString(): string {
    this.built++;
    return 'lazy.root tree "t" branch "x" basket 7';
  }
}

describe("decompressBasketSync", () => {
  it("waits for zstd's initialisation (undefined before, the same bytes as decompressBasket after)", async () => {
    const keys = compressed("uproot-HZZ-zstd.root");
    expect(keys.length).toBeGreaterThan(10);
    expect(decompressBasketSync(keys[0]!.payload, keys[0]!.objlen, "x")).toBeUndefined();
    await decompressBasket(keys[0]!.payload, keys[0]!.objlen, "x");
    for (const k of keys) {
      expect(decompressBasketSync(k.payload, k.objlen, "x")).toEqual(await decompressBasket(k.payload, k.objlen, "x"));
    }
  });

  it.each(["uproot-HZZ-zlib.root", "hepconvert-test1.root"])("decodes %s like decompressBasket, building no message", async (file) => {
    const place = new Place();
    for (const k of compressed(file)) {
      expect(decompressBasketSync(k.payload, k.objlen, place)).toEqual(await decompressBasket(k.payload, k.objlen, "x"));
    }
    expect(place.built).toBe(0);
  });

  it("gives every basket its own memory (pooled, unzeroed outputs never alias another basket's)", async () => {
    const files = ["uproot-HZZ-lz4.root", "uproot-HZZ-objects.root", "uproot-sample-6.20.04-lz4.root"];
    const keys = files.flatMap((f) => compressed(f)).filter((k) => k.payload[0] === 0x4c);
    // Outputs under 4 KiB come from Node's shared pool, several to one ArrayBuffer.
    expect(keys.filter((k) => k.objlen < 4096).length).toBeGreaterThan(5);
    const outs = keys.map((k) => decompressBasketSync(k.payload, k.objlen, "x")!);
    // Byte comparison through Buffer.equals: toEqual walks thousands of baskets element by element.
    const same = async (k: KeyRecord, out: Uint8Array): Promise<boolean> => Buffer.from(await decompressBasket(k.payload, k.objlen, "x")).equals(out);
    for (const [i, k] of keys.entries()) expect(await same(k, outs[i]!), k.name).toBe(true);
    for (const o of outs) o.fill(0xee);
    for (const k of keys) expect(await same(k, decompressBasketSync(k.payload, k.objlen, "x")!), k.name).toBe(true);
    expect(outs.every((o) => o.every((b) => b === 0xee))).toBe(true);
  });

  it("leaves LZMA to the asynchronous path", () => {
    const k = compressed("uproot-HZZ-lzma.root")[0]!;
    expect(decompressBasketSync(k.payload, k.objlen, "x")).toBeUndefined();
  });

  it("names the lazy place in errors", () => {
    const k = compressed("uproot-HZZ-zlib.root")[0]!;
    const bad = k.payload.slice();
    bad[bad.length - 1]! ^= 0xff;
    bad[bad.length - 2]! ^= 0xff;
    expect(() => decompressBasketSync(bad, k.objlen, new Place())).toThrow(/lazy\.root tree "t" branch "x" basket 7: compression block 0/);
  });
});
