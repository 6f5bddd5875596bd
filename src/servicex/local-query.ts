import type { Batch, Column } from "../batch/types.js";
import { type CompiledExpression, applyCut, compileCut, compileExpression } from "../expr/index.js";
import type { ExprSchema } from "../expr/index.js";
import { writeParquet } from "../parquet/index.js";
import { type BranchInfo, type Tree, openRoot } from "../root/index.js";
import { ServiceXError } from "./errors.js";

/** One UprootRaw sub-query as the server's generator reads it (unset keys may be null). */
interface RawQuery {
  treename?: string | string[] | Record<string, string> | null;
  filter_name?: string | string[] | null;
  cut?: string | null;
  aliases?: Record<string, string> | null;
  expressions?: string | string[] | null;
  fail_on_missing_trees?: boolean | null;
  copy_histograms?: string | string[] | null;
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
    .filter((b) => b.supported && b.elementType !== undefined)
    .map((b) => ({
      name: b.name,
      kind: b.kind,
      elementType: b.elementType!,
      ...(b.shape ? { shape: b.shape } : {}),
      ...(b.collection ? { collection: b.collection } : {}),
      ...(b.depth ? { depth: b.depth } : {}),
    }));
}

/**
 * Runs an UprootRaw query on one local ROOT file and writes the result as ServiceX does for
 * parquet output (a `treename` column on every row), streaming batch by batch. `canceled` is
 * checked between batches. Errors do not repeat the input path: the caller prefixes it.
 */
export async function runUprootRawFile(
  input: string,
  selection: string,
  output: string,
  canceled: () => boolean,
): Promise<void> {
  const queries = JSON.parse(selection) as RawQuery[];
  if (queries.some((q) => q.copy_histograms)) {
    throw new ServiceXError("copy_histograms needs ROOT output, which the local backend cannot write (use a ServiceX server)");
  }
  const file = await openRoot(input);
  try {
    const present = new Set(file.treeNames());
    const jobs: { q: RawQuery; tree: string; out: string }[] = [];
    for (const q of queries) {
      const t = q.treename;
      const pairs = typeof t === "string" ? [[t, t]] : Array.isArray(t) ? t.map((x) => [x, x]) : Object.entries(t ?? {});
      for (const [tree, out] of pairs) {
        if (present.has(tree)) jobs.push({ q, tree, out });
        else if (q.fail_on_missing_trees) throw new ServiceXError(`no tree "${tree}" (fail_on_missing_trees)`);
      }
    }
    if (jobs.length === 0) {
      throw new ServiceXError(`none of the requested trees is in the file (trees: ${[...present].join(", ") || "none"})`);
    }
    if (jobs.length > 1) {
      throw new ServiceXError(`the local backend writes one tree per file; the query selects ${jobs.map((j) => j.tree).join(", ")}`);
    }
    const { q, tree: treeName, out } = jobs[0];
    const tree = await file.tree(treeName);
    const where = `tree "${treeName}"`;
    const infos = tree.branches;
    const names = outputBranches(tree, infos, list(q.filter_name), where);
    const schema = exprSchema(infos);
    const aliases = q.aliases ?? {};
    const cut = q.cut ? compileCut(q.cut, schema, { aliases }) : undefined;
    const expressions: CompiledExpression[] = list(q.expressions).map((e) => compileExpression(e, schema, { aliases }));
    const read = [...new Set([...names, ...(cut?.freeBranches ?? []), ...expressions.flatMap((e) => e.freeBranches)])];
    if (names.length === 0 && expressions.length === 0) throw new ServiceXError(`${where}: filter_name selects no readable branch`);
    async function* batches(): AsyncIterable<Batch> {
      for await (const batch of tree.iterate({ branches: read })) {
        if (canceled()) throw new ServiceXError("canceled");
        const kept = cut ? applyCut(batch, cut) : batch;
        const columns: Record<string, Column> = {};
        for (const n of names) columns[n] = kept.columns[n];
        for (const e of expressions) columns[e.source] = e.evaluate(kept);
        yield { length: kept.length, columns };
      }
    }
    await writeParquet(output, batches(), { treename: out });
  } finally {
    await file.close();
  }
}
