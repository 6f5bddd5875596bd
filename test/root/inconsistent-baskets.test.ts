import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRoot, type RootFile } from "../../src/index.js";
import { ROOT_FIXTURES } from "../shared-data.js";

/**
 * Entry counts that disagree inside a real file: hepconvert-test1.root (scikit-hep/hepconvert,
 * BSD-3-Clause, see fixtures/root/SOURCES.md) is written by uproot, which stores the TTree
 * metadata uncompressed, so the tree's fEntries, a branch's fEntries and its fBasketEntry table
 * can be edited in place. Tree "events" has 2421 entries; branch "MET_px" holds them in baskets
 * of 100 entries.
 */
const FILE = "hepconvert-test1.root";
const ENTRIES = 2421n;

let dir: string;
let original: Buffer;
let metadata: number;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "sxflow-inconsistent-"));
  original = await readFile(path.join(ROOT_FIXTURES, FILE));
  // The TTree's key header (class and name TStrings) is last copied in the file before its payload;
  // the first copy is in the directory's key list.
  metadata = original.lastIndexOf(Buffer.from("\x05TTree\x06events", "latin1"));
  expect(metadata).toBeGreaterThan(original.indexOf(Buffer.from("\x05TTree\x06events", "latin1")));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const i64 = (...values: bigint[]): Buffer => {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => b.writeBigInt64BE(v, 8 * i));
  return b;
};

/** The first offset of `pattern` in [from, to). */
function find(bytes: Buffer, pattern: Buffer, from: number, to: number): number {
  const at = bytes.indexOf(pattern, from);
  expect(at, `pattern ${pattern.toString("hex")}`).toBeGreaterThan(from);
  expect(at + pattern.length).toBeLessThan(to);
  return at;
}

/** Where branch MET_px's record starts and ends: its name as a TString, up to the next branch's (MET_py). */
function branchRecord(bytes: Buffer): [number, number] {
  const at = bytes.indexOf(Buffer.from("\x06MET_px", "latin1"), metadata);
  return [at, bytes.indexOf(Buffer.from("\x06MET_py", "latin1"), at)];
}

async function edited(as: string, edit: (bytes: Buffer) => void): Promise<RootFile> {
  const bytes = Buffer.from(original);
  edit(bytes);
  const out = path.join(dir, as);
  await writeFile(out, bytes);
  return openRoot(out);
}

async function failure(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "no error",
    (e: Error) => e.message,
  );
}

describe("ROOT files whose entry counts disagree (real file, edited)", () => {
  it("reads an intact copy", async () => {
    const f = await edited("intact.root", () => {});
    const t = await f.tree("events");
    expect(t.entries).toBe(Number(ENTRIES));
    expect((await t.read(["MET_px"])).length).toBe(Number(ENTRIES));
    await f.close();
  });

  it("refuses a branch whose fEntries disagrees with its baskets, and reads the others", async () => {
    // fEntries is the only 2421 followed by fFirstEntry = 0 (fEntryNumber is followed by fIOFeatures).
    const f = await edited("branch-entries.root", (b) => {
      const at = find(b, i64(ENTRIES, 0n), ...branchRecord(b));
      b.writeBigInt64BE(2500n, at);
    });
    const t = await f.tree("events");
    expect(t.branch("MET_px").entries).toBe(Number(ENTRIES));
    expect(await failure(t.read(["MET_px"]))).toMatch(
      /branch-entries\.root: tree "events", branch "MET_px": its baskets hold 2421 entries but its fEntries says 2500, so the file is inconsistent/,
    );
    expect((await t.read(["MET_py"])).length).toBe(Number(ENTRIES));
    await f.close();
  });

  it("refuses a basket whose entry range (fBasketEntry) disagrees with the entries its header holds", async () => {
    // fBasketEntry: a speed-bump byte, then the first entry of every basket (0, 100, 200, ...).
    const f = await edited("basket-entry.root", (b) => {
      const at = find(b, Buffer.concat([Buffer.from([1]), i64(0n, 100n, 200n)]), ...branchRecord(b));
      b.writeBigInt64BE(90n, at + 1 + 8);
    });
    const t = await f.tree("events");
    expect(t.baskets("MET_px").slice(0, 2).map((r) => [r.entryStart, r.entryStop])).toEqual([
      [0, 90],
      [90, 200],
    ]);
    expect(await failure(t.read(["MET_px"]))).toMatch(
      /basket-entry\.root: tree "events", branch "MET_px", basket 0 \(offset \d+\): basket header is corrupt \(fNevBuf 100 for 90 entries/,
    );
    // Baskets past the edited ones still read, and match the intact file.
    const good = await openRoot(path.join(ROOT_FIXTURES, FILE));
    const want = (await (await good.tree("events")).read(["MET_px"], 1000, 2421)).columns.MET_px;
    await good.close();
    expect((await t.read(["MET_px"], 1000, 2421)).columns.MET_px).toEqual(want);
    await f.close();
  });

  it("reads what the baskets hold when the tree's fEntries says more, and refuses ranges past it", async () => {
    // The tree's fEntries is its first 64-bit field equal to 2421.
    const f = await edited("tree-entries.root", (b) => {
      const at = find(b, i64(ENTRIES), metadata, branchRecord(b)[0]);
      b.writeBigInt64BE(2500n, at);
    });
    const t = await f.tree("events");
    expect(t.entries).toBe(2500);
    expect((await t.read(["MET_px", "MET_py"])).length).toBe(Number(ENTRIES));
    let n = 0;
    for await (const batch of t.iterate({ branches: ["MET_px"], stepEntries: 1000 })) n += batch.length;
    expect(n).toBe(Number(ENTRIES));
    expect(await failure(t.read(["MET_px"], 0, 2500))).toMatch(
      /branch "MET_px": entry range \[0, 2500\) goes past the 2421 entries the branch holds, although the tree says 2500; the file is inconsistent/,
    );
    await f.close();
  });
});
