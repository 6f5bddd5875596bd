import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRoot } from "../../src/index.js";
import { decodeBasket } from "../../src/root/decode.js";
import { FIXTURES_DIR } from "../shared-data.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "sxflow-root-bad-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Copies a fixture into the temp dir, lets `edit` corrupt its bytes, returns the new path. */
async function corrupt(name: string, as: string, edit: (bytes: Buffer) => Buffer | void): Promise<string> {
  const bytes = await readFile(path.join(FIXTURES_DIR, "root", name));
  const out = path.join(dir, as);
  await writeFile(out, edit(bytes) ?? bytes);
  return out;
}

/** File offset and key length of a branch's first basket, from an intact copy. */
async function firstBasket(name: string, tree: string, branch: string): Promise<{ seek: number; keylen: number; codec: string }> {
  const file = await openRoot(path.join(FIXTURES_DIR, "root", name));
  try {
    const t = await file.tree(tree);
    const seek = t.baskets(branch)[0]!.seek;
    const bytes = await readFile(path.join(FIXTURES_DIR, "root", name));
    return { seek, keylen: bytes.readInt16BE(seek + 14), codec: await t.codec(branch) };
  } finally {
    await file.close();
  }
}

describe("ROOT bad input", () => {
  it("names a missing file", async () => {
    await expect(openRoot(path.join(dir, "missing.root"))).rejects.toThrow(/cannot open ROOT file .*missing\.root/);
  });

  it("rejects a wrong magic number", async () => {
    const p = await corrupt("uproot-empty.root", "magic.root", (b) => void b.write("ROOT", 0, "latin1"));
    await expect(openRoot(p)).rejects.toThrow(/magic\.root is not a ROOT file \(magic "ROOT" instead of "root"\)/);
  });

  it("rejects truncated files", async () => {
    const tiny = await corrupt("uproot-empty.root", "tiny.root", (b) => b.subarray(0, 20));
    await expect(openRoot(tiny)).rejects.toThrow(/tiny\.root is truncated/);
    const half = await corrupt("uproot-sample-6.20.04-zlib.root", "half.root", (b) => b.subarray(0, b.length >> 1));
    await expect(openRoot(half)).rejects.toThrow(/half\.root is truncated: header says 49535 bytes, file has 24767/);
  });

  it("reads a small file with bytes after the end its header records like the intact file", async () => {
    // Opening skips the fstat only when the first read ends exactly where the header says the
    // file ends; here it does not, so the size must come from the file system.
    const intact = path.join(FIXTURES_DIR, "root", "uproot-sample-6.20.04-zlib.root");
    const padded = await corrupt("uproot-sample-6.20.04-zlib.root", "padded.root", (b) => Buffer.concat([b, Buffer.alloc(1000, 0x5a)]));
    const read = async (p: string) => {
      const file = await openRoot(p);
      try {
        return (await file.tree("sample")).read(["i4", "Af8"]);
      } finally {
        await file.close();
      }
    };
    const [a, b] = await Promise.all([read(intact), read(padded)]);
    expect(b.length).toBe(30);
    expect(b).toEqual(a);
  });

  it("reports a directory pointer outside the file", async () => {
    const p = await corrupt("uproot-sample-6.20.04-zlib.root", "seekkeys.root", (b) => {
      const dirRecord = b.readInt32BE(8) + b.readInt32BE(28);
      b.writeInt32BE(0x7fff0000, dirRecord + 26); // fSeekKeys of the top directory
    });
    await expect(openRoot(p)).rejects.toThrow(/seekkeys\.root: key list of top directory at offset 2147418112 .* lies outside the file/);
  });

  it("reports a corrupted compressed block with file, tree, branch and basket", async () => {
    const { seek, keylen, codec } = await firstBasket("uproot-small-dy-withoffsets.root", "tree", "Jet_pt");
    expect(codec).toContain("zlib");
    const p = await corrupt("uproot-small-dy-withoffsets.root", "zlib.root", (b) => {
      for (let i = seek + keylen + 9 + 4; i < seek + keylen + 9 + 40; i++) b[i] = b[i]! ^ 0x5a;
    });
    const file = await openRoot(p);
    try {
      const tree = await file.tree("tree");
      await expect(tree.read(["Jet_pt"])).rejects.toThrow(/zlib\.root: tree "tree", branch "Jet_pt", basket 0/);
      // Other branches stay readable.
      expect((await tree.read(["nJet"])).length).toBe(501);
    } finally {
      await file.close();
    }
  });

  it("reports a basket header that disagrees with the branch", async () => {
    const { seek, keylen, codec } = await firstBasket("uproot-sample-6.20.04-zlib.root", "sample", "n");
    expect(codec).toBe("none");
    const p = await corrupt("uproot-sample-6.20.04-zlib.root", "nevbuf.root", (b) => void b.writeInt32BE(999, seek + keylen - 9));
    const file = await openRoot(p);
    try {
      const tree = await file.tree("sample");
      await expect(tree.read(["n"])).rejects.toThrow(/nevbuf\.root: tree "sample", branch "n", basket 0 .*basket header is corrupt \(fNevBuf 999 for 7 entries/);
    } finally {
      await file.close();
    }
  });

  it("reports a std::vector entry whose header disagrees with its size", () => {
    // One entry of 2 floats whose header claims 1,000,000 values: no real file has a raw vector
    // basket to corrupt in place, so the basket bytes are built here.
    const data = new Uint8Array(18);
    const dv = new DataView(data.buffer);
    dv.setUint32(0, 0x40000000 | 14);
    dv.setUint16(4, 9);
    dv.setInt32(6, 1_000_000);
    const vector = { kind: "vector", elementType: "float32" } as const;
    expect(() => decodeBasket({ nevbuf: 1, data, offsets: Int32Array.from([0, 18]) }, vector, "f.root: tree \"t\", branch \"v\", basket 3")).toThrow(
      'f.root: tree "t", branch "v", basket 3: entry 0 holds 18 bytes, inconsistent with its vector header (1000000 values); the basket is corrupt',
    );
    dv.setInt32(6, 2);
    expect(() => decodeBasket({ nevbuf: 2, data, offsets: null }, vector, "w")).toThrow(/w: entry 1 runs past the basket data/);
  });

  it("reports counted-array entry offsets that split a value, on both offset paths", () => {
    const data = new Uint8Array(16);
    const float = { kind: "counted", elementType: "float32", width: 1, counter: "n" } as const;
    const pairs = { kind: "counted", elementType: "float32", width: 2, counter: "n" } as const;
    const ok = decodeBasket({ nevbuf: 2, data: data.slice(), offsets: Int32Array.from([0, 8, 16]) }, float, "w");
    expect(Array.from(ok.offsets!)).toEqual([0, 2, 4]);
    const okPairs = decodeBasket({ nevbuf: 2, data: data.slice(), offsets: Int32Array.from([0, 8, 16]) }, pairs, "w");
    expect(Array.from(okPairs.offsets!)).toEqual([0, 2, 4]);
    expect(() => decodeBasket({ nevbuf: 2, data: data.slice(), offsets: Int32Array.from([0, 6, 16]) }, float, "w")).toThrow(
      "w: entry 0 ends at byte 6, not a multiple of 4; the basket is corrupt",
    );
    expect(() => decodeBasket({ nevbuf: 2, data: data.slice(), offsets: Int32Array.from([0, 12, 16]) }, pairs, "w")).toThrow(
      "w: entry 0 ends at byte 12, not a multiple of 8; the basket is corrupt",
    );
  });

  it("reports a basket key that disagrees with the branch metadata", async () => {
    const { seek } = await firstBasket("uproot-sample-6.20.04-zlib.root", "sample", "n");
    const p = await corrupt("uproot-sample-6.20.04-zlib.root", "basketseek.root", (b) => {
      // The TTree metadata is compressed, so the fault goes into the basket's own key: its fNbytes.
      b.writeInt32BE(b.readInt32BE(seek) + 1_000_000, seek);
    });
    const file = await openRoot(p);
    try {
      const tree = await file.tree("sample");
      await expect(tree.read(["n"])).rejects.toThrow(/basketseek\.root: tree "sample", branch "n", basket 0 \(offset \d+\): key does not match the branch/);
    } finally {
      await file.close();
    }
  });
});

describe("ROOT random corruption", () => {
  it("either reads or fails with an error naming the file, never a crash from inside a decoder", async () => {
    const names = ["uproot-sample-6.20.04-zlib.root", "uproot-small-dy-nooffsets.root", "uproot-stl_containers.root"];
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
    let failures = 0;
    for (let it = 0; it < 90; it++) {
      const name = names[it % names.length]!;
      const p = await corrupt(name, `fuzz-${it}.root`, (b) => {
        const n = 1 + Math.floor(rnd() * 4);
        for (let k = 0; k < n; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      });
      try {
        const f = await openRoot(p);
        try {
          for (const treeName of f.treeNames()) {
            const tree = await f.tree(treeName);
            for (const b of tree.branches) if (b.supported) await tree.read([b.name]);
          }
        } finally {
          await f.close();
        }
      } catch (err) {
        failures++;
        expect(err).toBeInstanceOf(Error);
        expect(["TypeError", "RangeError"]).not.toContain((err as Error).name);
        expect((err as Error).message).toContain(`fuzz-${it}.root`);
      }
    }
    // Random damage in file metadata must be noticed most of the time.
    expect(failures).toBeGreaterThan(20);
  });
});
