import { filterBatch } from "../batch/batch.js";
import type { Batch, Column, ElementType } from "../batch/types.js";
import { Checker } from "./checker.js";
import { EvaluationError, Evaluator, toColumn, toMask } from "./evaluate.js";
import type { DType } from "./functions.js";
import type { Level, Plan } from "./plan.js";
import { schemaEntries, serialisableSchema, type BranchInfo, type ExprSchema } from "./schema.js";

export interface CompileOptions {
  /** Names usable in the expression, each standing for another expression (ServiceX `aliases`). */
  aliases?: Record<string, string> | ReadonlyMap<string, string>;
}

/** Everything needed to rebuild a compiled expression elsewhere (e.g. in a worker thread). */
export interface SerialisedExpression {
  source: string;
  /** Only the branches the expression reads. */
  schema: Record<string, BranchInfo>;
  aliases: Record<string, string>;
}

export interface CompiledExpression {
  readonly source: string;
  /** constant, one value per event, or one value per object (a list per event). */
  readonly kind: Level;
  /** The Python/numpy type of the result: bool, int, float32 or float64. */
  readonly dtype: DType;
  /** Element type of the column `evaluate` returns (int results come as float64). */
  readonly elementType: ElementType;
  /** Branches the expression reads, aliases resolved: the reader needs to load only these. */
  readonly freeBranches: readonly string[];
  /** The checked plan: plain data, structured-cloneable. */
  readonly plan: Plan;
  /** The result over every event of the batch. */
  evaluate(batch: Batch): Column;
  /** Plain data from which `reviveExpression` rebuilds this expression (JSON and structured-clone safe). */
  serialise(): SerialisedExpression;
}

/**
 * Parses and type-checks an expression in ServiceX's uproot-raw cut language once; evaluate the
 * result on as many batches as needed. Throws ExpressionError (with a caret under the offending
 * part) for syntax, name and type errors.
 */
export function compileExpression(source: string, schema: ExprSchema, options: CompileOptions = {}): CompiledExpression {
  const branches = schemaEntries(schema);
  const aliases = new Map(options.aliases instanceof Map ? options.aliases : Object.entries(options.aliases ?? {}));
  const plan = new Checker(branches, aliases).checkSource(source);
  const freeBranches = [...collectBranches(plan, new Set<string>())];
  const keepType = plan.op === "branch";
  const elementType: ElementType = keepType
    ? branches.get(plan.name)!.elementType!
    : plan.dtype === "bool" ? "bool" : plan.dtype === "float32" ? "float32" : "float64";
  const usedSchema = serialisableSchema(new Map(freeBranches.map((b) => [b, branches.get(b)!])));
  const usedAliases: Record<string, string> = Object.fromEntries(aliases);
  return {
    source,
    kind: plan.level,
    dtype: plan.dtype,
    elementType,
    freeBranches,
    plan,
    evaluate(batch: Batch): Column {
      const value = new Evaluator(batch, source).run(plan);
      return toColumn(value, plan.dtype, batch.length, keepType);
    },
    serialise: () => ({ source, schema: usedSchema, aliases: usedAliases }),
  };
}

/** Rebuilds a compiled expression from `serialise()` output (in a worker thread, for example). */
export function reviveExpression(s: SerialisedExpression): CompiledExpression {
  return compileExpression(s.source, s.schema, { aliases: s.aliases });
}

/** Compiles an event selection: the result must be one value per event (or a constant). */
export function compileCut(source: string, schema: ExprSchema, options: CompileOptions = {}): CompiledExpression {
  const compiled = compileExpression(source, schema, options);
  if (compiled.kind === "object") {
    throw new EvaluationError(
      `a cut must give one value per event, but ${JSON.stringify(source)} gives one per object; ` +
        `reduce it per event, e.g. any(...), all(...) or num(x[...]) > 0`,
    );
  }
  return compiled;
}

/**
 * The per-event selection mask of a cut: 1 where the result is non-zero (true) and not missing,
 * as ServiceX applies `cut != 0`. The plan's level is checked at compile time; a per-object
 * cut is refused here.
 */
export function cutMask(batch: Batch, cut: CompiledExpression): Uint8Array {
  if (cut.kind === "object") throw new EvaluationError(`a cut must give one value per event: ${JSON.stringify(cut.source)} gives one per object`);
  // Only a branch's values are the batch's own; any other boolean result is a fresh 0/1 array.
  const fresh = cut.plan.dtype === "bool" && cut.plan.op !== "branch";
  return toMask(new Evaluator(batch, cut.source).run(cut.plan), batch.length, fresh);
}

/** The events of the batch that pass the cut, flat and jagged columns kept consistent. */
export function applyCut(batch: Batch, cut: CompiledExpression): Batch {
  return filterBatch(batch, cutMask(batch, cut));
}

function collectBranches(plan: Plan, out: Set<string>): Set<string> {
  switch (plan.op) {
    case "const": break;
    case "branch": out.add(plan.name); break;
    case "unary": collectBranches(plan.arg, out); break;
    case "binary": collectBranches(plan.left, out); collectBranches(plan.right, out); break;
    case "where": collectBranches(plan.cond, out); collectBranches(plan.then, out); collectBranches(plan.otherwise, out); break;
    case "reduce": collectBranches(plan.arg, out); break;
    case "mask": collectBranches(plan.target, out); collectBranches(plan.mask, out); break;
    case "slice": case "pick": collectBranches(plan.target, out); break;
    case "strEq": out.add(plan.name); break;
  }
  return out;
}
