import { ServiceXError } from "./errors.js";

/** One tree sub-query in sxflow's terms; built into the UprootRaw JSON the server expects. */
export interface UprootRawTreeQuery {
  /** Tree(s) to read; the object form maps input tree -> output tree. */
  tree: string | string[] | Record<string, string>;
  /** Branch names, globs (`jet_*`) or `/regex/`; becomes `filter_name`. */
  branches?: string[];
  /** Event selections, each parenthesised and joined with `&`. */
  cuts?: string[];
  aliases?: Record<string, string>;
  expressions?: string[];
  failOnMissingTrees?: boolean;
}

/** Copies histograms or other objects (ROOT output only). */
export interface UprootRawCopyQuery {
  copyHistograms: string | string[];
}

export type UprootRawQuery = UprootRawTreeQuery | UprootRawCopyQuery;

export const UPROOT_RAW_CODEGEN = "uproot-raw";

const COMPARISON = /(==|!=|<=|>=|<|>)/;

/**
 * Python gives `&` and `|` higher precedence than comparisons, so `a > 1 & b < 2` means
 * `a > (1 & b) < 2`: a chained comparison that fails on arrays inside the transformer. Returns
 * the explanation when the top level of `cut` mixes the two without parentheses.
 */
export function precedenceProblem(cut: string): string | undefined {
  let depth = 0;
  let top = "";
  let quote: string | undefined;
  for (const ch of cut) {
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") depth--;
    else if (depth === 0) top += ch;
  }
  if (/[&|]/.test(top) && COMPARISON.test(top)) {
    return `cut "${cut}" mixes & or | with a comparison outside parentheses; & and | bind tighter than comparisons in Python, so parenthesise each comparison, e.g. "(a > 1) & (b < 2)"`;
  }
  return undefined;
}

function isCopy(q: UprootRawQuery): q is UprootRawCopyQuery {
  return "copyHistograms" in q;
}

/** The `selection` text for codegen uproot-raw. */
export function buildUprootRaw(queries: UprootRawQuery | UprootRawQuery[]): string {
  const list = Array.isArray(queries) ? queries : [queries];
  if (list.length === 0) throw new ServiceXError("UprootRaw query: needs at least one tree or copy_histograms entry");
  const out = list.map((q, i) => {
    if (isCopy(q)) return { copy_histograms: q.copyHistograms };
    const entry: Record<string, unknown> = { treename: q.tree };
    if (q.branches?.length) entry.filter_name = q.branches;
    if (q.expressions?.length) entry.expressions = q.expressions;
    if (q.cuts?.length) {
      for (const c of q.cuts) {
        const problem = precedenceProblem(c);
        if (problem) throw new ServiceXError(`UprootRaw query [${i}]: ${problem}`);
      }
      entry.cut = q.cuts.length === 1 ? q.cuts[0] : q.cuts.map((c) => `(${c})`).join(" & ");
    }
    if (q.aliases && Object.keys(q.aliases).length) entry.aliases = q.aliases;
    if (q.failOnMissingTrees !== undefined) entry.fail_on_missing_trees = q.failOnMissingTrees;
    return entry;
  });
  const text = JSON.stringify(out);
  validateUprootRaw(text, "UprootRaw query");
  return text;
}

function nonEmpty(v: unknown): boolean {
  if (typeof v === "string") return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && typeof v === "object" && Object.keys(v).length > 0;
}

/**
 * Checks verbatim UprootRaw JSON as the server's generator would (a non-empty list whose entries
 * each have `treename` or `copy_histograms`), plus the cut precedence trap; returns the text with
 * a single object wrapped into a list.
 */
export function validateUprootRaw(selection: string, where: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(selection);
  } catch (err) {
    throw new ServiceXError(`${where}: UprootRaw query is not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) throw new ServiceXError(`${where}: UprootRaw query is an empty list`);
  list.forEach((q: unknown, i) => {
    if (q === null || typeof q !== "object" || Array.isArray(q)) {
      throw new ServiceXError(`${where}: UprootRaw query [${i}] must be an object`);
    }
    const rec = q as Record<string, unknown>;
    if (!nonEmpty(rec.treename) && !nonEmpty(rec.copy_histograms)) {
      throw new ServiceXError(`${where}: UprootRaw query [${i}] needs a non-empty "treename" or "copy_histograms"`);
    }
    if (typeof rec.cut === "string") {
      const problem = precedenceProblem(rec.cut);
      if (problem) throw new ServiceXError(`${where}: UprootRaw query [${i}]: ${problem}`);
    }
  });
  return Array.isArray(parsed) ? selection : JSON.stringify(list);
}
