import path from "node:path";
import type { RunConfig } from "../config/index.js";
import { SPLIT_NAMES } from "../stages/split.js";
import type { SplitName } from "../stages/split.js";

/** The file of one split: `<dir>/<name>_<split>.<extension>`. */
export function splitPath(dir: string, name: string, split: SplitName, extension = "h5"): string {
  return path.join(dir, `${name}_${split}.${extension}`);
}

/** Output file paths of a run. */
export function outputPaths(config: RunConfig): Record<string, string> {
  const { dir, name, format } = config.output;
  return {
    ...Object.fromEntries(SPLIT_NAMES.map((s) => [s, splitPath(dir, name, s, format === "arrow" ? "arrow" : "h5")])),
    normDict: path.join(dir, "norm_dict.yaml"),
    classDict: path.join(dir, "class_dict.yaml"),
    saltConfig: path.join(dir, "salt_config.yaml"),
    report: path.join(dir, `${name}_report.json`),
    ...(config.report.html ? { histograms: path.join(dir, `${name}_histograms.json`), page: path.join(dir, `${name}_report.html`) } : {}),
  };
}
