import type { Batch, ElementType } from "../batch/types.js";
import { holdsStrings, leafType } from "../batch/column.js";

/**
 * What the expression compiler needs to know about one branch.
 * `flat`: one value per event; `jagged`: a variable-length list per event (one collection of
 * objects); `fixed`: a fixed-size array per event (`shape`), treated like a list of that length.
 */
export interface BranchInfo {
  kind: "flat" | "jagged" | "fixed";
  /** Leaf element type; absent for a branch the reader cannot decode (using it is an error). */
  elementType?: ElementType;
  shape?: readonly number[];
  /**
   * Optional name of the object collection: two jagged branches with different known
   * collections cannot be combined element-wise. (A ROOT counter branch is not a collection:
   * ServiceX writes one counter per jagged branch, `njet_pt` beside `njet_eta`.)
   */
  collection?: string;
  /** Nesting depth of a jagged branch (1 for vector<T>); deeper lists are not supported. */
  depth?: number;
  /** The ROOT reader's name for `depth`. */
  jaggedDepth?: number;
  /** Why the reader cannot decode the branch. */
  unsupportedReason?: string;
  /** Text (a string per event, or per object when jagged): usable only in `== "literal"` / `!= "literal"`. */
  strings?: true;
}

/**
 * Branch name -> description; a Map, a plain object, or a list of `{ name, ...info }` such as
 * the ROOT reader's `Tree.branches` or the Parquet reader's branch list.
 */
export type ExprSchema =
  | Record<string, BranchInfo>
  | ReadonlyMap<string, BranchInfo>
  | ReadonlyArray<BranchInfo & { name: string }>;

export function schemaEntries(schema: ExprSchema): Map<string, BranchInfo> {
  if (schema instanceof Map) return new Map(schema);
  if (Array.isArray(schema)) return new Map(schema.map((b: BranchInfo & { name: string }) => [b.name, b]));
  return new Map(Object.entries(schema as Record<string, BranchInfo>));
}

/** A plain-object copy of a schema, safe to post to a worker thread. */
export function serialisableSchema(schema: ExprSchema): Record<string, BranchInfo> {
  const out: Record<string, BranchInfo> = {};
  for (const [name, info] of schemaEntries(schema)) {
    const copy: BranchInfo = { kind: info.kind };
    if (info.elementType !== undefined) copy.elementType = info.elementType;
    if (info.shape) copy.shape = [...info.shape];
    if (info.collection !== undefined) copy.collection = info.collection;
    const depth = info.depth ?? info.jaggedDepth;
    if (depth !== undefined) copy.depth = depth;
    if (info.unsupportedReason !== undefined) copy.unsupportedReason = info.unsupportedReason;
    if (info.strings) copy.strings = true;
    out[name] = copy;
  }
  return out;
}

/** The schema a batch implies (element types from the typed arrays or the column's `elementType`). */
export function schemaOfBatch(batch: Batch): Record<string, BranchInfo> {
  const out: Record<string, BranchInfo> = {};
  for (const [name, column] of Object.entries(batch.columns)) {
    if (column.kind === "string" || holdsStrings(column)) {
      out[name] = column.kind === "string" ? { kind: "flat", strings: true } : { kind: "jagged", depth: 1, strings: true };
      continue;
    }
    const elementType = leafType(column);
    if (column.kind === "jagged") {
      let depth = 1;
      for (let v = column.values; !ArrayBuffer.isView(v); v = v.values as typeof v) {
        depth++;
        if (v.kind !== "jagged") break;
      }
      out[name] = { kind: "jagged", elementType, depth };
    } else if (column.shape && column.shape.length > 0) {
      out[name] = { kind: "fixed", elementType, shape: [...column.shape] };
    } else {
      out[name] = { kind: "flat", elementType };
    }
  }
  return out;
}
