import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { runPipeline } from "../../src/pipeline/index.js";
import { tempDir } from "../pipeline/helpers.js";
import { corruptCopy, corruptRunConfig, crcError, TTBAR, ttbarWithoutCrcs } from "./corrupt-helpers.js";

const dir = tempDir("pipeline-corrupt");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a run over a corrupt Parquet file", () => {
  // Workers first: the in-process case traps this thread's decoder, which is not used after it.
  it.each([1, 0])("with page CRCs: fails naming file, row group, column and the CRC (workers %i), catchable by the caller", async (workers) => {
    const c = corruptCopy(dir, TTBAR, { rowGroup: 1, column: "jet_phi" });
    await expect(runPipeline(corruptRunConfig(dir, c.file), { workers, notice: () => undefined })).rejects.toThrow(crcError(c));
  });

  it("without page CRCs: fails naming file, row group and the one column that fails to decode (in a worker)", async () => {
    const c = corruptCopy(dir, await ttbarWithoutCrcs(dir), { rowGroup: 0, column: "jet_GN2v01_Continuous_quantile" }, 16);
    await expect(runPipeline(corruptRunConfig(dir, c.file), { workers: 1, notice: () => undefined })).rejects.toThrow(
      /corrupt\.parquet: cannot decode row group 0, column "jet_GN2v01_Continuous_quantile", page 0: zstd frame is corrupt/,
    );
  });
});
