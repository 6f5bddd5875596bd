import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openParquet, writeParquet } from "../../src/parquet/index.js";
import { fileMeta } from "../../src/parquet/metadata.js";
import { readFooter } from "../../src/parquet/footer.js";
import { readPageHeader } from "../../src/parquet/page-header.js";
import { encodeStruct, field, I64, ThriftReader, withField, type ThriftStruct } from "../../src/parquet/thrift.js";
import { tempDir } from "./helpers.js";
import { corruptCopy, ttbarWithoutCrcs } from "./corrupt-helpers.js";

const dir = tempDir("own-decoder-corrupt");

function footerOf(bytes: Buffer): Uint8Array {
  const length = bytes.readUInt32LE(bytes.length - 8);
  return bytes.subarray(bytes.length - 8 - length, bytes.length - 8);
}

/** `bytes` with a new footer. */
function withFooter(bytes: Buffer, footer: Uint8Array): Buffer {
  const data = bytes.subarray(0, bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8));
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(footer.length, 0);
  tail.write("PAR1", 4);
  return Buffer.concat([data, footer, tail]);
}

/** A one-column file of lists that are never empty (so their definition levels are one RLE run of 1s), uncompressed, no CRCs. */
async function listFile(name: string): Promise<string> {
  const n = 500;
  const offsets = Int32Array.from({ length: n + 1 }, (_, i) => 2 * i);
  const file = path.join(dir, name);
  const batch = { length: n, columns: { x: { kind: "jagged" as const, offsets, values: Float32Array.from({ length: 2 * n }, (_, i) => i) } } };
  await writeParquet(file, [batch], { compression: "none", pageChecksums: false });
  return file;
}

describe("corrupt column chunks read by sxflow's own decoder: errors name file, row group, column and page", () => {
  it("zstd data that does not decode (no page CRC to catch it first)", async () => {
    const c = corruptCopy(dir, await ttbarWithoutCrcs(dir), { rowGroup: 1, column: "jet_pt_NOSYS" }, 16);
    const reader = await openParquet(c.file, { tree: "reco" });
    await expect(reader.read(reader.branches.map((b) => b.name))).rejects.toThrow(
      /corrupt\.parquet: cannot decode row group 1, column "jet_pt_NOSYS", page 0: zstd frame is corrupt/,
    );
    reader.close();
  });

  it("a column chunk cut short (its footer size ends inside a page)", async () => {
    const source = await listFile("short-source.parquet");
    const bytes = readFileSync(source);
    const root = new ThriftReader(footerOf(bytes), source).struct();
    const chunk = (field((field(root, 4) as ThriftStruct[])[0], 1) as ThriftStruct[])[0]!;
    const meta = field(chunk, 3) as ThriftStruct;
    const size = Number(meta.get(7));
    chunk.set(3, withField(meta, 7, I64, BigInt(size - 40)));
    const file = path.join(dir, "short.parquet");
    writeFileSync(file, withFooter(bytes, encodeStruct(root)));
    const reader = await openParquet(file);
    await expect(reader.read(["x"])).rejects.toThrow(
      /short\.parquet: cannot decode row group 0, column "x", page 0: corrupt page header \(a page of \d+ bytes runs past the column chunk\)/,
    );
    reader.close();
  });

  it("definition levels above the column's maximum", async () => {
    const source = await listFile("levels-source.parquet");
    const bytes = readFileSync(source);
    const meta = fileMeta(readFooter(footerOf(bytes), source));
    const chunk = meta.rowGroups[0]!.chunks.get("x.list.item")!;
    const page = readPageHeader(bytes, chunk.offset, source);
    // Data page v1, uncompressed: [rep length][rep runs][def length][def runs][values].
    let at = chunk.offset + page.length;
    at += 4 + bytes.readUInt32LE(at);
    const defStart = at + 4;
    // One RLE run of 1000 values: a varint header (1000 << 1), then the value byte.
    expect(bytes[defStart]! & 1).toBe(0);
    let v = defStart;
    while (bytes[v]! & 0x80) v++;
    expect(bytes[v + 1]).toBe(1);
    bytes[v + 1] = 3;
    const file = path.join(dir, "levels.parquet");
    writeFileSync(file, bytes);
    const reader = await openParquet(file);
    await expect(reader.read(["x"])).rejects.toThrow(
      /levels\.parquet: cannot decode row group 0, column "x", page 0: levels out of range at value 0 \(repetition 0, definition 3; maxima 1 and 1\)/,
    );
    reader.close();
  });
});
