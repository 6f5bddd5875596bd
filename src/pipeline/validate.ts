import type { RunConfig } from "../config/index.js";
import { missingDirs } from "../output-dir/index.js";
import { buildPlan } from "./plan.js";

/**
 * Every check `runPipeline` makes before reading events, with the same messages, for
 * `sxflow config`: the output directory's path, then the plan (expressions compiled, branches of
 * fields, cuts, sort, select and split keys looked up, label field, row size) against the first
 * local file of each sample. Returns how many files were opened (0 when every sample is fetched
 * from ServiceX at run time, whose branches cannot be known before).
 */
export async function validateRunConfig(config: RunConfig): Promise<number> {
  await missingDirs(config.output.dir);
  if (!config.samples.some((s) => s.files.length > 0)) return 0;
  const { plan } = await buildPlan(config, { probe: true });
  return plan.files.length;
}
