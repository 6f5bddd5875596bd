// interop: shared
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openRoot, type Batch } from "../../src/index.js";
import { SHARED_ROOT_DIR } from "../shared-data.js";

/**
 * The same tree written with different codecs, ROOT versions or writers must decode to identical
 * arrays, value for value (a stronger check than expected.json's summaries).
 */
const FAMILIES: { tree: string; files: string[] }[] = [
  {
    tree: "events",
    files: ["uproot-HZZ-uncompressed.root", "uproot-HZZ-zlib.root", "uproot-HZZ-lz4.root", "uproot-HZZ-lzma.root", "uproot-HZZ-zstd.root", "uproot-HZZ.root"],
  },
  {
    tree: "sample",
    files: ["uproot-sample-6.20.04-uncompressed.root", "uproot-sample-6.20.04-zlib.root", "uproot-sample-6.20.04-lz4.root", "uproot-sample-5.30.00-zlib.root"],
  },
  { tree: "t1", files: ["unroot-tree_with_large_array.root", "unroot-tree_with_large_array_lz4.root", "unroot-tree_with_large_array_lzma.root"] },
];

async function readAll(file: string, treeName: string): Promise<Batch> {
  const f = await openRoot(path.join(SHARED_ROOT_DIR, file));
  try {
    const tree = await f.tree(treeName);
    return await tree.read(tree.branches.filter((b) => b.supported).map((b) => b.name));
  } finally {
    await f.close();
  }
}

describe("ROOT codec and writer variants", () => {
  for (const { tree, files } of FAMILIES) {
    it(`${files[0]} and ${files.length - 1} variants decode identically`, async () => {
      const reference = await readAll(files[0]!, tree);
      expect(Object.keys(reference.columns).length).toBeGreaterThan(1);
      for (const file of files.slice(1)) expect(await readAll(file, tree), file).toEqual(reference);
    });
  }
});
