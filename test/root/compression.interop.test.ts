// interop: shared
import { describe, expect, it } from "vitest";
import { decompressBasket } from "../../src/root/compression/index.js";
import { SHARED_ROOT_DIR } from "../shared-data.js";
import { algorithmOf, keysOf } from "./compression-keys.js";

const WHERE = 'test.root tree "t" branch "x" basket 3';

/** Decoded TBasket payloads by branch name, in file order. */
async function decodedBaskets(file: string, dir: string): Promise<Map<string, Uint8Array[]>> {
  const byBranch = new Map<string, Uint8Array[]>();
  for (const k of keysOf(file, dir)) {
    if (k.className !== "TBasket") continue;
    const d = await decompressBasket(k.payload, k.objlen, `${file} basket of ${k.name}`);
    expect(d.length).toBe(k.objlen);
    byBranch.set(k.name, [...(byBranch.get(k.name) ?? []), d]);
  }
  return byBranch;
}

describe("decompressBasket on the shared real ROOT files", () => {
  // The HZZ files hold the same baskets in every codec; the uncompressed file stores them raw,
  // so each codec's output must equal those bytes exactly.
  it.each([
    ["uproot-HZZ-uncompressed.root", ["uproot-HZZ-zlib.root", "uproot-HZZ.root", "uproot-HZZ-lz4.root", "uproot-HZZ-zstd.root", "uproot-HZZ-lzma.root"]],
    ["unroot-tree_with_large_array_lz4.root", ["unroot-tree_with_large_array.root", "unroot-tree_with_large_array_lzma.root"]],
  ] as const)("decodes every codec's baskets to the raw baskets of %s", async (rawFile, codecFiles) => {
    const raw = await decodedBaskets(rawFile, SHARED_ROOT_DIR);
    for (const file of codecFiles) {
      const decoded = await decodedBaskets(file, SHARED_ROOT_DIR);
      expect([...decoded.keys()].sort(), file).toEqual([...raw.keys()].sort());
      let compared = 0;
      for (const [branch, baskets] of decoded) {
        const expected = raw.get(branch)!;
        expect(baskets.length, `${file} ${branch}`).toBe(expected.length);
        baskets.forEach((b, i) => expect(Buffer.compare(b, expected[i]!), `${file} ${branch} basket ${i}`).toBe(0));
        compared += baskets.length;
      }
      expect(compared).toBeGreaterThan(20);
    }
  });

  it.each([
    ["uproot-HZZ-zlib.root", "ZL"],
    ["uproot-HZZ.root", "ZL"],
    ["uproot-hepdata-example.root", "ZL"],
    ["uproot-issue-816.root", "ZL"],
    ["uproot-HZZ-lz4.root", "L4"],
    ["uproot-HZZ-objects.root", "L4"],
    ["hepconvert-test1.root", "L4"],
    ["uproot-HZZ-zstd.root", "ZS"],
    ["unroot-tree_with_int_array_zstd.root", "ZS"],
    ["unroot-tree_with_jagged_array_double.root", "XZ"],
  ])("decodes every compressed key of %s (%s) to its declared length", async (file, algorithm) => {
    const compressed = keysOf(file, SHARED_ROOT_DIR).filter((k) => k.payload.length !== k.objlen);
    expect(compressed.some((k) => algorithmOf(k) === algorithm)).toBe(true);
    for (const k of compressed) {
      expect((await decompressBasket(k.payload, k.objlen, `${file} ${k.name}`)).length).toBe(k.objlen);
    }
  });

  it("returns a raw payload (length equal to the uncompressed size) unchanged", async () => {
    const k = keysOf("uproot-HZZ-uncompressed.root", SHARED_ROOT_DIR).find((x) => x.className === "TBasket")!;
    expect(k.payload.length).toBe(k.objlen);
    expect(await decompressBasket(k.payload, k.objlen, WHERE)).toBe(k.payload);
  });
});
