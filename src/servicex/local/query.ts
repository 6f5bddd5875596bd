import type { Batch, Column } from "../../batch/types.js";
import { type CompiledExpression, applyCut, compileCut, compileExpression } from "../../expr/index.js";
import type { ExprSchema } from "../../expr/index.js";
import { type TreeBatch, writeParquet, writeParquetTrees } from "../../parquet/write.js";
import { type BranchInfo, type RootFile, type Tree, openRoot } from "../../root/index.js";
import { ServiceXError } from "../errors.js";

/** One UprootRaw sub-query as the server's generator reads it (unset keys may be null). */
interface RawQuery {
  treename?: string | string[] | Record<string, string> | null;
  filter_name?: string | string[] | null;
  cut?: string | null;
  aliases?: Record<string, string> | null;
  expressions?: string | string[] | null;
  fail_on_missing_trees?: boolean | null;
  copy_histograms?: string | string[] | null;
  use_standard_awkward_axis?: boolean | null;
}

function list(v: string | string[] | null | undefined): string[] {
  return v === null || v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** uproot's filter_name: `/regex/flags`, a glob (`*`, `?`, `[...]`), or an exact name. */
export function nameMatcher(pattern: string): { exact: boolean; test: (name: string) => boolean } {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (re) {
    const r = new RegExp(re[1], re[2]);
    return { exact: false, test: (n) => r.test(n) };
  }
  if (/[*?[]/.test(pattern)) {
    const body = pattern.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    const r = new RegExp(`^${body}$`);
    return { exact: false, test: (n) => r.test(n) };
  }
  return { exact: true, test: (n) => n === pattern };
}

function outputBranches(tree: Tree, infos: BranchInfo[], patterns: string[], where: string): string[] {
  const supported = infos.filter((b) => b.supported);
  if (patterns.length === 0) return supported.map((b) => b.name);
  const chosen = new Set<string>();
  for (const p of patterns) {
    const m = nameMatcher(p);
    if (m.exact) {
      tree.branch(p); // throws "unknown branch ... did you mean" for a typo
      const info = infos.find((b) => b.name === p);
      if (info && !info.supported) throw new ServiceXError(`${where}: branch "${p}" (${info.typeName}) cannot be read: ${info.unsupportedReason ?? "unsupported"}`);
      chosen.add(p);
    } else {
      for (const b of supported) if (m.test(b.name)) chosen.add(b.name);
    }
  }
  // Tree order, as uproot returns them.
  return supported.map((b) => b.name).filter((n) => chosen.has(n));
}

function exprSchema(infos: BranchInfo[]): ExprSchema {
  return infos
    .filter((b) => b.supported && (b.elementType !== undefined || b.strings))
    .map((b) => ({
      name: b.name,
      kind: b.kind,
      ...(b.elementType ? { elementType: b.elementType } : { strings: true as const }),
      ...(b.shape ? { shape: b.shape } : {}),
      ...(b.collection ? { collection: b.collection } : {}),
      ...(b.depth ? { depth: b.depth } : {}),
    }));
}

/** One input tree of one sub-query, compiled: what it reads and the columns it writes. */
interface TreeJob {
  query: number;
  tree: Tree;
  out: string;
  read: string[];
  cut: CompiledExpression | undefined;
  /** Output columns in order: a branch copied as it is, or an expression's result. */
  columns: { name: string; type: string; expression?: CompiledExpression }[];
}

function branchType(b: BranchInfo): string {
  return `${b.strings ? "string" : b.elementType}${b.shape ? `[${b.shape.join(",")}]` : ""}${"[]".repeat(b.jaggedDepth)}`;
}

/** The sub-queries' trees as (input, output) pairs, in query order. */
function treePairs(t: RawQuery["treename"]): [string, string][] {
  if (typeof t === "string") return [[t, t]];
  if (Array.isArray(t)) return t.map((x) => [x, x]);
  return Object.entries(t ?? {});
}

async function compileJob(file: RootFile, q: RawQuery, index: number, treeName: string, out: string): Promise<TreeJob> {
  const tree = await file.tree(treeName);
  const where = `query [${index}], tree "${treeName}"`;
  const infos = tree.branches;
  const schema = exprSchema(infos);
  const aliases = q.aliases ?? {};
  const compile = (what: string, source: string, asCut: boolean): CompiledExpression => {
    try {
      return (asCut ? compileCut : compileExpression)(source, schema, { aliases });
    } catch (err) {
      throw new ServiceXError(`${where}: ${what}: ${(err as Error).message}`);
    }
  };
  const cut = q.cut ? compile("cut", q.cut, true) : undefined;
  const expressions = list(q.expressions).map((e, i) => compile(`expressions[${i}]`, e, false));
  const columns: TreeJob["columns"] = [];
  if (expressions.length > 0) {
    // As uproot's arrays(): given expressions are the output, filter_name does not add branches.
    for (const e of expressions) columns.push({ name: e.source, type: `${e.elementType}${e.kind === "object" ? "[]" : ""}`, expression: e });
  } else {
    const names = outputBranches(tree, infos, list(q.filter_name), where);
    if (names.length === 0) throw new ServiceXError(`${where}: filter_name selects no readable branch`);
    for (const n of names) columns.push({ name: n, type: branchType(infos.find((b) => b.name === n)!) });
  }
  const read = new Set<string>();
  for (const c of columns) for (const b of c.expression?.freeBranches ?? [c.name]) read.add(b);
  for (const b of cut?.freeBranches ?? []) read.add(b);
  return { query: index, tree, out, read: [...read], cut, columns };
}

/**
 * All trees of a request go through one Parquet writer, so they must give the same columns (as on
 * the server, whose writer refuses a second schema). Columns of later trees are put in the first
 * tree's order; a difference in names or types is an error naming both trees.
 */
function checkSameColumns(jobs: TreeJob[]): void {
  const first = jobs[0]!;
  const label = (j: TreeJob) => `tree "${j.tree.name}"${j.out !== j.tree.name ? ` (as "${j.out}")` : ""} of query [${j.query}]`;
  const want = new Map(first.columns.map((c) => [c.name, c.type]));
  for (const job of jobs.slice(1)) {
    const got = new Map(job.columns.map((c) => [c.name, c.type]));
    const problems: string[] = [];
    const missing = [...want.keys()].filter((n) => !got.has(n));
    const extra = [...got.keys()].filter((n) => !want.has(n));
    if (missing.length) problems.push(`only in the first: ${missing.join(", ")}`);
    if (extra.length) problems.push(`only in the second: ${extra.join(", ")}`);
    for (const [n, t] of got) if (want.has(n) && want.get(n) !== t) problems.push(`${n} is ${want.get(n)} in the first, ${t} in the second`);
    if (problems.length > 0) {
      throw new ServiceXError(
        `${label(first)} and ${label(job)} have different columns, but the trees of a request share one parquet file and its schema: ${problems.join("; ")}`,
      );
    }
    const order = new Map(job.columns.map((c) => [c.name, c]));
    job.columns = first.columns.map((c) => order.get(c.name)!);
  }
}

async function* jobBatches(job: TreeJob, canceled: () => boolean): AsyncGenerator<TreeBatch> {
  const convert = (batch: Batch): TreeBatch => {
    const kept = job.cut ? applyCut(batch, job.cut) : batch;
    const columns: Record<string, Column> = {};
    for (const c of job.columns) columns[c.name] = c.expression ? c.expression.evaluate(kept) : kept.columns[c.name]!;
    return { tree: job.out, batch: { length: kept.length, columns } };
  };
  let any = false;
  for await (const batch of job.tree.iterate({ branches: job.read })) {
    if (canceled()) throw new ServiceXError("canceled");
    any = true;
    yield convert(batch);
  }
  // A tree without entries still gives the file its schema.
  if (!any) yield convert(await job.tree.read(job.read, 0, 0));
}

/**
 * Refuses, before any file is read, what the local backend cannot do with a validated UprootRaw
 * selection (the server would fail every file instead).
 */
export function checkLocalQuery(selection: string, why: string): void {
  const queries = JSON.parse(selection) as RawQuery[];
  const copy = queries.findIndex((q) => q.copy_histograms);
  if (copy >= 0) {
    throw new ServiceXError(
      `UprootRaw query [${copy}]: copy_histograms needs ROOT output, which the local backend cannot write; drop it or use a ServiceX server${why}`,
    );
  }
  // The expression engine reduces per event only: awkward's defaults would give other values.
  const standard = queries.findIndex((q) => q.use_standard_awkward_axis === true);
  if (standard >= 0) {
    throw new ServiceXError(
      `UprootRaw query [${standard}]: use_standard_awkward_axis: true is not supported by the local backend, whose reducers work per event (axis=1, the server's default); drop the key`,
    );
  }
}

/**
 * Runs an UprootRaw query on one local ROOT file and writes the result as ServiceX does for
 * parquet output: every tree of every sub-query (the object form of `treename` renames them)
 * goes, in query order, through one writer, each row tagged in a `treename` column; trees that
 * are missing are skipped unless `fail_on_missing_trees`; no tree at all gives an empty table.
 * Streams batch by batch; `canceled` is checked between batches. Errors do not repeat the input
 * path: the caller prefixes it.
 */
export async function runUprootRawFile(
  input: string,
  selection: string,
  output: string,
  canceled: () => boolean,
): Promise<void> {
  const queries = JSON.parse(selection) as RawQuery[];
  const file = await openRoot(input);
  try {
    const present = file.treeNames();
    const jobs: TreeJob[] = [];
    for (const [i, q] of queries.entries()) {
      for (const [tree, out] of treePairs(q.treename)) {
        if (present.includes(tree.split(";")[0]!)) jobs.push(await compileJob(file, q, i, tree, out));
        else if (q.fail_on_missing_trees) {
          throw new ServiceXError(`no tree "${tree}" (query [${i}] has fail_on_missing_trees; trees in the file: ${present.join(", ") || "none"})`);
        }
      }
    }
    if (jobs.length === 0) {
      await writeParquet(output, [{ length: 0, columns: {} }]);
      return;
    }
    checkSameColumns(jobs);
    async function* batches(): AsyncGenerator<TreeBatch> {
      for (const job of jobs) yield* jobBatches(job, canceled);
    }
    await writeParquetTrees(output, batches());
  } finally {
    await file.close();
  }
}
