import { isNormalised } from "../config/index.js";
import { batchStats, classWeights, countClasses, emptyStats, finalizePartials, mergeStats } from "../stages/index.js";
import type { NormDict, StatsPartials } from "../stages/index.js";
import { blockRows, describeGroups, openSaltFile, readGroup } from "./file.js";
import type { SaltFile, SaltGroup } from "./file.js";

export interface NormOptions {
  /** The global group's label field (default: the one sxflow recorded, else `flavour_label`). */
  labelField?: string;
  /** More fields to leave out, as `field` or `group.field`. */
  exclude?: readonly string[];
  /** Class weight formula (default: the run's, else `upp`). */
  classWeights?: "upp" | "raw";
  /** Bytes read per block of rows (default 16 MiB): the memory bound. */
  blockBytes?: number;
}

export interface NormResult {
  normDict: NormDict;
  /** `{<global group>: {<label field>: [w_0, w_1, ...]}}`, as class_dict.yaml. */
  classDict: Record<string, Record<string, number[]>>;
  /** Train entries per class. */
  classCounts: number[];
  rows: number;
}

/**
 * The fields normalised in a file: for sxflow's files the run's own rule (its `normalise.exclude`,
 * split keys, label); for others every field but `valid` and the label. Then `exclude`.
 */
function normalisedFields(file: SaltFile, g: SaltGroup, exclude: readonly string[]): string[] {
  const run = file.run;
  return g.fields
    .map((f) => f.name)
    .filter((f) => {
      if (exclude.includes(f) || exclude.includes(`${g.name}.${f}`)) return false;
      if (f === "valid" && !g.global) return false;
      if (g === file.global && f === file.labelField) return false;
      const expr = run?.expressions[g.name]?.[f];
      return run && expr !== undefined ? isNormalised(run, g.name, g.global, f, expr) : true;
    });
}

/** The group and field names of a file, to check that several files share one layout. */
function layoutKey(file: SaltFile): string {
  return file.groups.map((g) => `${g.name}(${g.global ? "" : g.slots}):${g.fields.map((f) => `${f.name}/${f.type}`).join(",")}`).join(";");
}

/**
 * SALT's norm and class dicts from train files (`make_norm_dict`): per field the float64 mean and
 * population std of the valid, non-NaN entries, and the class weights from the label counts.
 * Files are read in blocks of rows (bounded memory), in order; the statistics are merged with
 * Chan's formula, as a run merges its tasks'.
 */
export async function normFromFiles(paths: readonly string[], options: NormOptions = {}): Promise<NormResult> {
  if (paths.length === 0) throw new Error("no file given");
  let partials: StatsPartials | undefined;
  let counts: Float64Array | undefined;
  let first: { key: string; path: string; global: string; label: string; classes?: string[]; method: "upp" | "raw"; empty: "error" | "zero" } | undefined;
  let rows = 0;
  for (const path of paths) {
    const file = await openSaltFile(path, options.labelField);
    try {
      if (!file.labelled) throw new Error(`${path}: no (N,) group holds the label field "${file.labelField}" (groups: ${describeGroups(file)}); name it with --label`);
      const key = layoutKey(file);
      if (!first) {
        first = {
          key,
          path,
          global: file.global.name,
          label: file.labelField,
          ...(file.classes ? { classes: file.classes } : {}),
          method: options.classWeights ?? file.run?.classWeights?.method ?? "upp",
          empty: file.run?.classWeights?.empty ?? "error",
        };
      } else if (key !== first.key) {
        throw new Error(`${path}: its groups and fields differ from those of ${first.path}; norm dicts come from files of one layout`);
      }
      const fields = new Map(file.groups.map((g) => [g, normalisedFields(file, g, options.exclude ?? [])]));
      partials ??= Object.fromEntries(file.groups.filter((g) => fields.get(g)!.length > 0).map((g) => [g.name, Object.fromEntries(fields.get(g)!.map((f) => [f, emptyStats()]))]));
      const step = blockRows(file, options.blockBytes);
      for (let start = 0; start < file.rows; start += step) {
        const stop = Math.min(file.rows, start + step);
        for (const g of file.groups) {
          const names = fields.get(g)!;
          const isGlobal = g === file.global;
          if (names.length === 0 && !isGlobal) continue;
          const columns = readGroup(file, g, start, stop);
          const valid = g.global ? undefined : (columns.valid as Uint8Array | undefined);
          for (const f of names) {
            const target = partials[g.name]!;
            target[f] = mergeStats(target[f]!, batchStats(columns[f]!, valid));
          }
          if (isGlobal) {
            const labels = columns[file.labelField]!;
            counts = growCounts(counts ?? new Float64Array(first.classes?.length ?? 0), labels, first.classes === undefined);
            countClasses(counts, labels, `${path}: group "${g.name}" field "${file.labelField}"`);
          }
        }
      }
      rows += file.rows;
    } finally {
      file.close();
    }
  }
  const f = first!;
  let normDict: NormDict;
  try {
    normDict = finalizePartials(partials!);
  } catch (err) {
    throw new Error(`${(err as Error).message} (in ${paths.join(", ")})`);
  }
  const classCounts = Array.from(counts ?? []);
  const weights = classWeights(classCounts, { method: f.method, empty: f.empty, ...(f.classes ? { classNames: f.classes } : {}) });
  return { normDict, classDict: { [f.global]: { [f.label]: weights } }, classCounts, rows };
}

/** Without class names, the class count is the largest label seen plus one. */
function growCounts(counts: Float64Array, labels: ArrayLike<number | bigint>, open: boolean): Float64Array {
  if (!open) return counts;
  let max = counts.length - 1;
  for (let i = 0; i < labels.length; i++) max = Math.max(max, Number(labels[i]));
  if (max < counts.length) return counts;
  const grown = new Float64Array(max + 1);
  grown.set(counts);
  return grown;
}
