import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openParquet } from "../../src/parquet/index.js";
import { FIXTURES_DIR } from "../shared-data.js";
import { compareDecoders } from "./own-decoder-helpers.js";

const DIR = path.join(FIXTURES_DIR, "parquet-testing");
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".parquet"));

/** Files with columns the own decoder must take (so that the comparison is not parquet-wasm against itself). */
const OWN_READS = new Set([
  "alltypes_plain.parquet",
  "alltypes_plain.snappy.parquet",
  "alltypes_dictionary.parquet",
  "datapage_v2.snappy.parquet",
  "datapage_v1-snappy-compressed-checksum.parquet",
  "plain-dict-uncompressed-checksum.parquet",
  "rle-dict-snappy-checksum.parquet",
  "concatenated_gzip_members.parquet",
]);

/** parquet-wasm cannot open these (the footer's schema): neither route reads them. */
const UNOPENED = /^(dict-page-offset-zero)/;

describe("third-party Parquet files (apache/parquet-testing): the own decoder gives what parquet-wasm gives", () => {
  it.each(FILES.filter((f) => f !== "repeated_no_annotation.parquet"))("%s", async (name) => {
    const file = path.join(DIR, name);
    if (UNOPENED.test(name)) {
      await expect(openParquet(file)).rejects.toThrow(/cannot read the Parquet metadata/);
      return;
    }
    const { own, wasm, counts } = await compareDecoders(file);
    expect(own).toEqual(wasm);
    if (OWN_READS.has(name)) expect(counts.own).toBeGreaterThan(0);
  }, 60_000);

  it("repeated_no_annotation.parquet: its required int32 column reads (parquet-wasm's stream stops short on this file)", async () => {
    const file = path.join(DIR, "repeated_no_annotation.parquet");
    const own = await openParquet(file);
    const wasm = await openParquet(file, { decoder: "parquet-wasm" });
    // Its one uncompressed PLAIN page holds the int32s 1 to 6.
    expect(await own.read(["id"])).toEqual({ length: 6, columns: { id: { kind: "flat", values: Int32Array.from([1, 2, 3, 4, 5, 6]) } } });
    await expect(wasm.read(["id"])).rejects.toThrow(/row group 0 ended early/);
    own.close();
    wasm.close();
  });
});
