import type { Node } from "./ast.js";
import { ExpressionError } from "./errors.js";
import { parse } from "./parser.js";

function collect(node: Node, out: Set<string>): void {
  switch (node.type) {
    case "name": out.add(node.name); break;
    case "unary": collect(node.operand, out); break;
    case "binary": collect(node.left, out); collect(node.right, out); break;
    case "compare": for (const o of node.operands) collect(o, out); break;
    case "call":
      for (const a of node.args) collect(a, out);
      for (const k of node.keywords) collect(k.value, out);
      break;
    case "subscript":
      collect(node.target, out);
      for (const item of node.items) {
        if (item.type === "expr") collect(item.node, out);
        else for (const part of [item.start, item.stop, item.step]) if (part) collect(part, out);
      }
      break;
    case "number": case "boolean": case "string": break;
  }
}

/** The names an expression refers to: branches, and the aliases it uses (directly or through others). */
export interface FreeNames {
  branches: string[];
  aliases: string[];
}

/**
 * The branch names an expression reads, found by parsing alone (no schema, so nothing is
 * type-checked): names used through `aliases` are replaced by the names their expressions read.
 * For asking a server for just the needed branches before any file is at hand. Throws
 * ExpressionError on a syntax error or an alias cycle.
 */
export function freeNames(source: string, aliases: Readonly<Record<string, string>> = {}): FreeNames {
  const out = new Set<string>();
  const used = new Set<string>();
  const visit = (text: string, resolving: readonly string[]): void => {
    const names = new Set<string>();
    collect(parse(text), names);
    for (const name of names) {
      if (!Object.hasOwn(aliases, name)) {
        out.add(name);
        continue;
      }
      used.add(name);
      if (resolving.includes(name)) {
        throw new ExpressionError(`alias cycle: ${[...resolving, name].join(" -> ")}`, text, { start: 0, end: text.length });
      }
      visit(aliases[name]!, [...resolving, name]);
    }
  };
  visit(source, []);
  return { branches: [...out], aliases: [...used] };
}
