import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { runPipeline } from "../../src/pipeline/index.js";
import { tempDir } from "../pipeline/helpers.js";
import { corruptCopy, corruptRunConfig } from "./corrupt-helpers.js";

const dir = tempDir("pipeline-corrupt");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a run over a corrupt Parquet file", () => {
  // Workers first: the in-process case traps this thread's decoder, which is not used after it.
  it.each([1, 0])("fails with the file and row groups named (workers %i), catchable by the caller", async (workers) => {
    const config = corruptRunConfig(dir, corruptCopy(dir));
    await expect(runPipeline(config, { workers, notice: () => undefined })).rejects.toThrow(
      /corrupt\.parquet: cannot decode row groups? [\d-]+ \(columns .*\): the decoder failed \(WebAssembly unreachable\): the data of a page is corrupt/,
    );
  });
});
