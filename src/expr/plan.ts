import type { BinaryFn, DType, ReduceFn, UnaryFn } from "./functions.js";

/** Where a value lives: a Python constant, one value per event, or one value per object. */
export type Level = "constant" | "event" | "object";

interface Typed {
  level: Level;
  dtype: DType;
  /** Source text of the sub-expression (alias text for inlined aliases), for evaluation-time messages. */
  text: string;
  /** Known object collection of an object-level value (from the schema), if any. */
  collection?: string;
}

/**
 * The checked, typed evaluation plan: plain data (structured-cloneable), aliases inlined,
 * constants folded. The evaluator walks it once per batch.
 */
export type Plan =
  | (Typed & { op: "const"; value: number; weak: boolean })
  | (Typed & { op: "branch"; name: string; shape?: number[] })
  | (Typed & { op: "unary"; fn: UnaryFn; arg: Plan })
  | (Typed & { op: "binary"; fn: BinaryFn; left: Plan; right: Plan })
  | (Typed & { op: "where"; cond: Plan; then: Plan; otherwise: Plan })
  | (Typed & { op: "reduce"; fn: ReduceFn; arg: Plan })
  | (Typed & { op: "mask"; target: Plan; mask: Plan })
  | (Typed & { op: "slice"; target: Plan; start: number | null; stop: number | null; step: number })
  | (Typed & { op: "pick"; target: Plan; index: number })
  /** A string branch compared with a literal: bool per event (or per object for lists of strings). */
  | (Typed & { op: "strEq"; name: string; value: string; negate: boolean });
