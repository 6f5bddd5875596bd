import type { Span } from "./errors.js";

/** Parsed expression: a faithful tree of the Python subset, before any type information. */
export type Node =
  | { type: "number"; value: number; isInt: boolean; span: Span }
  | { type: "boolean"; value: boolean; span: Span }
  | { type: "name"; name: string; span: Span }
  /** Only meaningful as the argument of get("branch name"); the checker rejects it elsewhere. */
  | { type: "string"; value: string; span: Span }
  | { type: "unary"; op: "-" | "+" | "~"; operand: Node; span: Span }
  | { type: "binary"; op: BinaryOp; left: Node; right: Node; span: Span }
  | { type: "compare"; ops: CompareOp[]; operands: Node[]; span: Span }
  | { type: "call"; name: string; nameSpan: Span; args: Node[]; keywords: Keyword[]; span: Span }
  | { type: "subscript"; target: Node; items: SubscriptItem[]; span: Span };

export type BinaryOp = "+" | "-" | "*" | "/" | "//" | "%" | "**" | "&" | "|" | "^";
export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

export interface Keyword {
  name: string;
  value: Node;
  span: Span;
}

/** One comma-separated item inside `[...]`: an expression or a `start:stop:step` slice. */
export type SubscriptItem =
  | { type: "expr"; node: Node; span: Span }
  | { type: "slice"; start?: Node; stop?: Node; step?: Node; span: Span };
