import path from "node:path";
import { parseCommandArgs } from "./args.js";
import { OutputDir } from "../output-dir/index.js";
import { normFromFiles } from "../salt/norm.js";
import { writeClassDict, writeNormDict } from "../sinks/index.js";
import type { Command } from "./dispatch.js";
import { count } from "../text/count.js";

const HELP = `Usage: sxflow norm <train.h5> [<train.h5> ...] [--out DIR] [--label FIELD] [--exclude F,...] [--class-weights upp|raw]

SALT's norm_dict.yaml and class_dict.yaml from training files (SALT layout: sxflow's or another
tool's), as make_norm_dict writes them: per field the mean and population std (float64) of the
valid, non-NaN entries over all the files, and the class weights from the label counts. Files
are read in blocks of rows (bounded memory). Both dicts are written to DIR together, or neither.

Fields: for files written by sxflow, those the run normalised (its normalise.exclude, split keys
and label left out); for other files every field but "valid" and the label.

Options:
  --out DIR             output directory (default: the current directory)
  --label FIELD         label field of the per-event group (default: the run's, else flavour_label)
  --exclude F,...       more fields to leave out, as field or group.field
  --class-weights M     upp (UPP's rounded ratios, default unless the run chose) or raw (N / n_c)
`;

export const run: Command = async (args) => {
  const parsed = parseCommandArgs("norm", HELP, args, {
    out: { type: "string" },
    label: { type: "string" },
    exclude: { type: "string", multiple: true },
    "class-weights": { type: "string" },
  });
  if (typeof parsed === "number") return parsed;
  const v = parsed.values;
  if (parsed.positionals.length === 0) {
    process.stderr.write(`sxflow norm: expected one or more training files\n\n${HELP}`);
    return 2;
  }
  const method = v["class-weights"];
  if (method !== undefined && method !== "upp" && method !== "raw") {
    process.stderr.write(`sxflow norm: --class-weights must be upp or raw, got "${method}"\n`);
    return 2;
  }
  const dir = path.resolve(v.out ?? ".");
  const notice = (m: string): void => void process.stderr.write(`sxflow norm: ${m}\n`);
  try {
    const exclude = (v.exclude ?? []).flatMap((e) => e.split(",")).map((e) => e.trim()).filter(Boolean);
    const result = await normFromFiles(parsed.positionals, { ...(v.label ? { labelField: v.label } : {}), exclude, ...(method ? { classWeights: method } : {}) });
    const output = await OutputDir.open(dir, notice);
    try {
      await writeNormDict(path.join(output.staging, "norm_dict.yaml"), result.normDict);
      await writeClassDict(path.join(output.staging, "class_dict.yaml"), result.classDict);
      await output.commit();
    } finally {
      await output.close();
    }
    const fields = Object.values(result.normDict).reduce((n, g) => n + Object.keys(g).length, 0);
    process.stdout.write(
      `${count(result.rows)} events, ${fields} fields; class counts [${result.classCounts.join(", ")}]\n` +
        `  wrote ${path.join(dir, "norm_dict.yaml")}\n  wrote ${path.join(dir, "class_dict.yaml")}\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`sxflow norm: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
};
