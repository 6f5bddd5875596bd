import { randomUUID } from "node:crypto";
import type { ElementType } from "../batch/core.js";
import { configPath, didYouMean, isNormalised, splitKeysOf, splitSpecOf } from "../config/index.js";
import type { ResolvedGroup, RunConfig, SampleFile } from "../config/index.js";
import { compileCut, compileExpression } from "../expr/index.js";
import type { CompiledExpression } from "../expr/index.js";
import type { ExprBranchInfo } from "../expr/index.js";
import type { FileFormat } from "../sources/detect.js";
import type { FileScan } from "../sources/tree-source.js";
import { ENTRY_KEY, layoutRecords, layoutRow, recordField } from "../stages/index.js";
import type { GroupPlan, RecordField } from "../stages/index.js";
import type { FilePlan, PipelinePlan, TaskSpec } from "./types.js";

/** A problem with the run configuration or its inputs, found before any output is written. */
export class PipelineError extends Error {
  override name = "PipelineError";
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface ScannedFile extends FilePlan, FileScan {
  /** Described by `BuildPlanOptions.known`, not opened: no branches to check. */
  known?: boolean;
}

/** What a plan needs of a file it does not open: its entries and clusters, as a scan found them. */
export type KnownFile = Pick<FileScan, "entries" | "clusters">;

/** Opens a file in this thread to learn its entries, schema and work units, then closes it. */
export async function scanInThread(path: string, format: FileFormat, tree: string): Promise<FileScan> {
  // Loaded here: a run scans in its workers, and its main thread need not load the readers.
  const { describeSource, openTreeSource } = await import("../sources/tree-source.js");
  const source = await openTreeSource(path, tree, format);
  try {
    return describeSource(source);
  } finally {
    await source.close();
  }
}

/** Scans every file (concurrently through `scan`), in config order; an unreadable file or an empty sample is an error. */
async function scanFiles(config: RunConfig, scan: FileScanner, probe = false, unfetched = false, known?: ReadonlyMap<number, KnownFile>): Promise<ScannedFile[]> {
  const first = config.samples.map((_s, i) => config.samples.slice(0, i).reduce((n, x) => n + x.files.length, 0));
  const scanOne = async (s: number, { path, format }: SampleFile, i: number): Promise<ScannedFile> => {
    const k = known?.get(first[s]! + i);
    if (k) return { entries: k.entries, clusters: k.clusters, branches: new Map(), allNames: [], path, format, sample: s, known: true };
    try {
      return { ...(await scan(path, format, config.tree)), path, format, sample: s };
    } catch (err) {
      throw new PipelineError(`${configPath(["samples", s, "files"])} (sample "${config.samples[s]!.name}"): cannot read ${path}: ${message(err)}`);
    }
  };
  // With maxEvents, a sample's files are opened in order until they hold enough entries: a quick
  // check of a large sample opens a file or two, not all of them.
  const limit = config.maxEvents;
  const firstFiles = async (s: number, files: readonly SampleFile[]): Promise<ScannedFile[]> => {
    const out: ScannedFile[] = [];
    let entries = 0;
    for (const [i, f] of files.entries()) {
      if (entries >= limit!) break;
      const scanned = await scanOne(s, f, i);
      entries += scanned.entries;
      out.push(scanned);
    }
    return out;
  };
  const jobs = config.samples.map((sample, s) =>
    probe ? Promise.all(sample.files.slice(0, 1).map((f) => scanOne(s, f, 0))) : limit !== undefined ? firstFiles(s, sample.files) : Promise.all(sample.files.map((f, i) => scanOne(s, f, i))),
  );
  const settled = await Promise.allSettled(jobs);
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const out = settled.flatMap((r) => (r as PromiseFulfilledResult<ScannedFile[]>).value);
  config.samples.forEach((sample, s) => {
    if (out.some((f) => f.sample === s && f.entries > 0)) return;
    // A probe has seen one file of the sample (its other files may hold the entries), or none.
    if (probe) return;
    // A ServiceX sample before its fetch has no files yet.
    if (unfetched && sample.servicex && sample.files.length === 0) return;
    // ServiceX parquet names its trees in a column: say which ones the files do hold.
    const others = [...new Set(out.filter((f) => f.sample === s).flatMap((f) => (f.treeRuns ?? []).map((r) => r.name)))];
    const hint = others.length > 0 ? ` (their treename column holds ${others.map((n) => `"${n}"`).join(", ")})${didYouMeanText(config.tree, others)}` : "";
    throw new PipelineError(
      `${configPath(["samples", s])} (sample "${sample.name}"): no entries in tree "${config.tree}" of its ${sample.files.length} file(s)${hint}`,
    );
  });
  return out;
}

const FLOATS: ReadonlySet<ElementType> = new Set(["float32", "float64"]);

/** Compiles one expression against the reference schema, the error naming its config path. */
function compileAt(
  where: readonly PropertyKey[],
  source: string,
  schema: ReadonlyMap<string, ExprBranchInfo>,
  aliases: Record<string, string>,
  file: string,
  tree: string,
  cut = false,
): CompiledExpression {
  try {
    return (cut ? compileCut : compileExpression)(source, schema, { aliases });
  } catch (err) {
    throw new PipelineError(`${configPath(where)}: ${message(err)}\n  (branches of tree "${tree}" in ${file})`);
  }
}

function planGroup(
  config: RunConfig,
  name: string,
  group: ResolvedGroup,
  schema: ReadonlyMap<string, ExprBranchInfo>,
  reference: string,
  used: Set<string>,
): GroupPlan {
  const at = (...p: PropertyKey[]) => ["objects", name, ...p];
  const compile = (where: PropertyKey[], source: string) => {
    const c = compileAt(where, source, schema, config.aliases, reference, config.tree);
    for (const b of c.freeBranches) used.add(b);
    return c;
  };
  const half = config.output.precision === "half";
  const fields: RecordField[] = [];
  for (const [field, spec] of Object.entries(group.fields)) {
    const c = compile(at("fields", field), spec.expr);
    const want = group.global ? "event" : "object";
    if (c.kind !== want) {
      const got = c.kind === "object" ? "one value per object" : c.kind === "event" ? "one value per event" : "a constant";
      throw new PipelineError(
        `${configPath(at("fields", field))}: ${JSON.stringify(spec.expr)} gives ${got}, but group "${name}" ` +
          (group.global ? "is global (one value per event): reduce it, e.g. num(...), sum(...) or x[0]" : "holds objects: give a per-object expression"),
      );
    }
    const type = spec.type ?? c.elementType;
    const fullPrecision = config.output.fullPrecision.includes(`${name}.${field}`);
    const stats = isNormalised(config, name, group.global, field, spec.expr);
    fields.push(recordField(field, "expr", type, half && !fullPrecision, { source: spec.expr, expr: c.serialise(), stats }));
  }
  let select: GroupPlan["select"];
  let sort: GroupPlan["sort"];
  if (group.select !== undefined) {
    const c = compile(at("select"), group.select);
    if (c.kind !== "object") throw new PipelineError(`${configPath(at("select"))}: a selection needs one value per object, ${JSON.stringify(group.select)} gives one per ${c.kind}`);
    select = c.serialise();
  }
  if (group.sort !== undefined) {
    const c = compile(at("sort"), group.sort);
    if (c.kind !== "object") throw new PipelineError(`${configPath(at("sort"))}: a sort key needs one value per object, ${JSON.stringify(group.sort)} gives one per ${c.kind}`);
    sort = c.serialise();
  }
  if (group.global) {
    if (group.fields[config.labelField]) {
      throw new PipelineError(`${configPath(at("fields", config.labelField))}: "${config.labelField}" is the label field sxflow adds; rename the field or set labelField`);
    }
    fields.push(recordField(config.labelField, "label", "int32", false));
  } else {
    fields.push(recordField("valid", "valid", "bool", false));
  }
  const recordBytes = layoutRecords(fields);
  return { name, global: group.global, max: group.global ? 1 : group.max!, padding: group.padding, select, sort, fields, recordBytes, rowOffset: 0 };
}

function checkSchema(file: ScannedFile, reference: ScannedFile, needed: readonly string[], tree: string): void {
  // Never read, and ServiceX writes a file without columns for an input that lacked the tree.
  if (file.entries === 0) return;
  for (const name of needed) {
    const want = reference.branches.get(name)!;
    const got = file.branches.get(name);
    if (!got) {
      throw new PipelineError(`${file.path}: tree "${tree}" has no readable branch "${name}" (read by the configuration, present in ${reference.path})${didYouMeanText(name, file.allNames)}`);
    }
    if (got.kind !== want.kind || got.elementType !== want.elementType || (got.depth ?? 0) !== (want.depth ?? 0)) {
      throw new PipelineError(
        `${file.path}: branch "${name}" is ${got.kind} ${got.elementType}, but ${want.kind} ${want.elementType} in ${reference.path}; all files must share one schema`,
      );
    }
  }
}

function didYouMeanText(name: string, names: readonly string[]): string {
  const guess = didYouMean(name, names);
  return guess ? `; did you mean "${guess}"?` : "";
}

/**
 * Cuts each file into tasks of about `batchSize` entries: consecutive small clusters are merged,
 * a cluster larger than `batchSize` is cut into equal pieces (so one huge cluster still keeps
 * every worker busy). Tasks depend on the inputs and `batchSize` only, never on the worker count.
 */
export function tasksOf(files: readonly KnownFile[], batchSize: number): TaskSpec[] {
  const tasks: TaskSpec[] = [];
  files.forEach((f, file) => {
    let start = -1;
    let stop = -1;
    const flush = () => {
      if (start >= 0 && stop > start) tasks.push({ index: tasks.length, file, start, stop });
      start = -1;
    };
    const clusters = f.clusters.length > 0 ? f.clusters : f.entries > 0 ? [{ start: 0, stop: f.entries }] : [];
    for (const c of clusters) {
      const size = c.stop - c.start;
      if (size > batchSize) {
        flush();
        const pieces = Math.ceil(size / batchSize);
        for (let p = 0; p < pieces; p++) {
          start = c.start + Math.floor((size * p) / pieces);
          stop = c.start + Math.floor((size * (p + 1)) / pieces);
          flush();
        }
        continue;
      }
      if (start < 0) start = c.start;
      stop = c.stop;
      if (stop - start >= batchSize) flush();
    }
    flush();
  });
  return tasks;
}

/**
 * Keeps the first `maxEvents` entries of each sample: its tasks in order, the last one cut short,
 * the rest dropped (tasks keep consecutive indices). The same entries for any worker count.
 */
function firstEntries(tasks: TaskSpec[], files: readonly ScannedFile[], maxEvents: number): TaskSpec[] {
  const left = new Map<number, number>();
  const out: TaskSpec[] = [];
  for (const t of tasks) {
    const sample = files[t.file]!.sample;
    const budget = left.get(sample) ?? maxEvents;
    if (budget <= 0) continue;
    const stop = Math.min(t.stop, t.start + budget);
    left.set(sample, budget - (stop - t.start));
    out.push({ ...t, index: out.length, stop });
  }
  return out;
}

/** Learns what `buildPlan` needs about one file (in this thread, or in a worker that keeps it open). */
export type FileScanner = (path: string, format: FileFormat, tree: string) => Promise<FileScan>;

export interface BuildPlanOptions {
  /** The plan's id (default: a random UUID). */
  id?: string;
  scan?: FileScanner;
  /**
   * Open only the first file of each sample that has local files (`sxflow config`): every check a
   * run makes before reading events, on the branches of those files.
   */
  probe?: boolean;
  /** Plan before ServiceX samples are fetched (`sxflow run --dry-run`): their tasks are not known yet. */
  unfetched?: boolean;
  /**
   * Files (by their index in config order, samples after one another) not to open: the plan's
   * tasks cover them, but the schema and its checks come from the others (a shard opens only
   * the files of its own tasks).
   */
  known?: ReadonlyMap<number, KnownFile>;
}

export interface BuiltPlan {
  plan: PipelinePlan;
  tasks: TaskSpec[];
  /** Entries over all files (before cuts). */
  totalEntries: number;
}

/** The most one event's row (all groups' slots) may take: far above any SALT input, far below a typo. */
const MAX_ROW_BYTES = 1 << 20;

/** Refuses a `max` that would make every event's row absurdly large (gigabytes of padding). */
function checkRowSize(groups: GroupPlan[], rowBytes: number): void {
  if (rowBytes <= MAX_ROW_BYTES) return;
  const g = groups.reduce((a, b) => (b.recordBytes * b.max > a.recordBytes * a.max ? b : a));
  const mib = (n: number): string => `${(n / 2 ** 20).toFixed(n < 2 ** 30 ? 1 : 0)} MiB`;
  throw new PipelineError(
    `${configPath(["objects", g.name, "max"])}: ${g.max} slots of ${g.recordBytes} bytes make each event's row ${mib(rowBytes)} ` +
      `(estimated; at most ${mib(MAX_ROW_BYTES)} per event, i.e. max <= ${Math.floor((MAX_ROW_BYTES - (rowBytes - g.recordBytes * g.max)) / g.recordBytes)} for "${g.name}")`,
  );
}

/**
 * Turns a run configuration into the plan workers execute: opens every input once, compiles every
 * expression against the first file's schema, checks that all files share the branches read, lays
 * out the output records and cuts the inputs into tasks.
 */
export async function buildPlan(config: RunConfig, options: BuildPlanOptions = {}): Promise<BuiltPlan> {
  const files = await scanFiles(config, options.scan ?? scanInThread, options.probe, options.unfetched, options.known);
  // The schema comes from a file with entries (scanFiles ensures one, unless probing): an empty one may have no columns.
  const opened = files.filter((f) => !f.known);
  const reference = opened.find((f) => f.entries > 0) ?? opened[0];
  if (!reference) throw new PipelineError(`${configPath(["samples"])}: no sample has a local file to read the branches of tree "${config.tree}" from`);
  const schema = reference.branches;
  const used = new Set<string>();
  for (const alias of Object.keys(config.aliases)) {
    if (schema.has(alias)) {
      throw new PipelineError(
        `${configPath(["aliases", alias])}: alias "${alias}" has the name of a branch of tree "${config.tree}" in ${reference.path}; ` +
          "every expression would read the alias instead of the branch: rename the alias",
      );
    }
  }

  const splitSpec = splitSpecOf(config.split);
  const splitKeys = splitKeysOf(config.split);
  let entryKey = false;
  splitKeys.forEach((key, i) => {
    const where = splitSpec.kind === "hash" ? ["split", "by", i] : ["split", "rules"];
    const info = schema.get(key);
    if (!info && key === ENTRY_KEY) {
      entryKey = true;
      return;
    }
    if (!info) {
      throw new PipelineError(
        `${configPath(where)}: split key "${key}" is not a branch of tree "${config.tree}" in ${reference.path}${didYouMeanText(key, reference.allNames)}` +
          ` (for inputs without an event identity, "${ENTRY_KEY}" splits by entry number)`,
      );
    }
    if (info.kind !== "flat" || !info.elementType || FLOATS.has(info.elementType) || info.elementType === "bool") {
      throw new PipelineError(`${configPath(where)}: split key "${key}" must be one integer per event, but it is ${info.kind} ${info.elementType}`);
    }
    used.add(key);
  });

  const cuts = config.cuts.map((source, i) => {
    const c = compileAt(["cuts", i], source, schema, config.aliases, reference.path, config.tree, true);
    for (const b of c.freeBranches) used.add(b);
    return c.serialise();
  });

  // The global group first: it is the dataset SALT slices by, and the row record starts with it.
  const order = [config.globalGroup, ...Object.keys(config.objects).filter((g) => g !== config.globalGroup)];
  const groups = order.map((name) => planGroup(config, name, config.objects[name]!, schema, reference.path, used));
  const rowBytes = layoutRow(groups);

  checkRowSize(groups, rowBytes);

  const branches = [...used].sort();
  for (const f of opened) checkSchema(f, reference, branches, config.tree);

  const plan: PipelinePlan = {
    id: options.id ?? randomUUID(),
    tree: config.tree,
    branches,
    cuts,
    groups,
    split: splitSpec,
    samples: config.samples.map((s) => ({ name: s.name, label: s.label })),
    files: files.map(({ path, format, sample, entries, treeRuns }) => ({ path, format, sample, entries, ...(treeRuns ? { treeRuns } : {}) })),
    rowBytes,
    entryKey,
    histograms: config.report.html,
  };
  const tasks = tasksOf(files, config.batchSize);
  if (config.maxEvents === undefined) return { plan, tasks, totalEntries: files.reduce((n, f) => n + f.entries, 0) };
  const first = firstEntries(tasks, files, config.maxEvents);
  return { plan, tasks: first, totalEntries: first.reduce((n, t) => n + (t.stop - t.start), 0) };
}
