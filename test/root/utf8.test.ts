import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRoot } from "../../src/index.js";
import { BasketPlace } from "../../src/root/basket.js";
import { checkUtf8 } from "../../src/root/utf8.js";
import { ROOT_FIXTURES } from "../shared-data.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "sxflow-utf8-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A copy of a real fixture (attribution in fixtures/root/SOURCES.md) with the first byte of the
 * string `text` inside its raw (uncompressed) `basket` replaced by 0xFF, never valid in UTF-8.
 */
async function withBadByte(name: string, basket: { seek: number; bytes: number }, text: string): Promise<string> {
  const bytes = await readFile(path.join(ROOT_FIXTURES, name));
  const at = bytes.indexOf(text, basket.seek);
  expect(at).toBeGreaterThan(basket.seek);
  expect(at + text.length).toBeLessThanOrEqual(basket.seek + basket.bytes);
  bytes[at] = 0xff;
  const out = path.join(dir, name);
  await writeFile(out, bytes);
  return out;
}

async function firstError(file: string, tree: string, branch: string): Promise<string> {
  const f = await openRoot(file);
  try {
    const t = await f.tree(tree);
    const err = await t.read([branch]).then(
      () => undefined,
      (e: Error) => e.message,
    );
    return err ?? "no error";
  } finally {
    await f.close();
  }
}

describe("UTF-8 in ROOT string branches", () => {
  it("refuses invalid bytes in std::string with the file, tree, branch and entry", async () => {
    // uproot-stl_containers.root, branch "string": "one", "two", "three", "four", "five" in one raw basket.
    const f = await openRoot(path.join(ROOT_FIXTURES, "uproot-stl_containers.root"));
    const [ref] = (await f.tree("tree")).baskets("string");
    await f.close();
    const bad = await withBadByte("uproot-stl_containers.root", ref!, "three");
    expect(await firstError(bad, "tree", "string")).toMatch(
      /uproot-stl_containers\.root: tree "tree", branch "string", basket 0: entry 2 holds a string that is not valid UTF-8/,
    );
  });

  it("numbers the entry within the tree, not the basket, for char* leaves", async () => {
    // uproot-sample-6.20.04-lz4.root, branch "str": "hey-0" ... "hey-29"; basket 1 (raw) holds entries 6 to 10.
    const f = await openRoot(path.join(ROOT_FIXTURES, "uproot-sample-6.20.04-lz4.root"));
    const refs = (await f.tree("sample")).baskets("str");
    await f.close();
    expect(refs[1]!.entryStart).toBe(6);
    const bad = await withBadByte("uproot-sample-6.20.04-lz4.root", refs[1]!, "hey-8");
    expect(await firstError(bad, "sample", "str")).toMatch(/branch "str", basket 1: entry 8 holds a string that is not valid UTF-8/);
  });

  it("checks every string on its own, not only the concatenated bytes", () => {
    // "é" split across two strings: the bytes together are valid UTF-8, each string is not.
    const piece = (strings: number[], entries: number[]): Parameters<typeof checkUtf8>[0] => ({
      entries: entries.length - 1,
      values: Uint8Array.from([0x61, 0xc3, 0xa9, 0x62]),
      levels: [Int32Array.from(entries), Int32Array.from(strings)],
    });
    const where = new BasketPlace('x.root: tree "t", branch "v"', 0, -1);
    expect(() => checkUtf8(piece([0, 1, 4], [0, 1, 2]), where, 10)).not.toThrow();
    expect(() => checkUtf8(piece([0, 2, 4], [0, 0, 2]), where, 10)).toThrow(/branch "v", basket 0: entry 11 holds a string that is not valid UTF-8/);
    expect(() => checkUtf8(piece([0, 0, 2, 4], [0, 1, 1, 3]), where, 0)).toThrow(/entry 2 holds/);
  });
});
