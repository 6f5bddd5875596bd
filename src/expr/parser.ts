import type { BinaryOp, CompareOp, Keyword, Node, SubscriptItem } from "./ast.js";
import { ExpressionError, type Span } from "./errors.js";
import { tokenize, type Token } from "./lexer.js";

const COMPARE_OPS = new Set(["==", "!=", "<", "<=", ">", ">="]);

/** Python keywords that do not vectorise, with what to write instead. */
const LOGIC_KEYWORDS: Record<string, string> = {
  and: '"and" does not work element-wise on arrays; use "&" and parenthesise both sides: (a > 1) & (b < 2)',
  or: '"or" does not work element-wise on arrays; use "|" and parenthesise both sides: (a > 1) | (b < 2)',
  not: '"not" does not work element-wise on arrays; use "~" and parenthesise its operand: ~(a > 1)',
};

/**
 * Parses one Python expression of the uproot/ServiceX cut language into a syntax tree.
 * Precedence is Python's (lowest first): comparisons (chained), `|`, `^`, `&`, `+ -`,
 * `* / // %`, unary `+ - ~`, `**`, then calls and subscripts.
 */
export function parse(source: string): Node {
  return new Parser(source).parseAll();
}

class Parser {
  private readonly tokens: Token[];
  private pos = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parseAll(): Node {
    if (this.peek().kind === "end") this.fail("empty expression", this.peek());
    const node = this.expression();
    const t = this.peek();
    if (t.kind !== "end") {
      if (t.kind === "keyword" && LOGIC_KEYWORDS[t.text]) this.fail(LOGIC_KEYWORDS[t.text]!, t);
      if (t.kind === "keyword" && t.text === "if") this.fail('conditional expressions are not supported; use where(condition, a, b)', t);
      if (t.kind === "op" && t.text === ",") this.fail("a cut or expression must be a single expression, not a tuple", t);
      this.fail(`unexpected ${describe(t)} after a complete expression`, t);
    }
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    return this.tokens[this.pos++]!;
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === "op" && t.text === text;
  }

  private expect(text: string, context: string): Token {
    const t = this.peek();
    if (t.kind !== "op" || t.text !== text) this.fail(`expected "${text}" ${context}, found ${describe(t)}`, t);
    return this.next();
  }

  private fail(reason: string, at: Span): never {
    throw new ExpressionError(reason, this.source, at);
  }

  private span(start: number, end: number): Span {
    return { start, end };
  }

  private expression(): Node {
    const t = this.peek();
    if (t.kind === "keyword" && t.text === "not") this.fail(LOGIC_KEYWORDS.not!, t);
    if (t.kind === "keyword" && t.text === "lambda") this.fail("lambda is not supported", t);
    return this.comparison();
  }

  private comparison(): Node {
    const first = this.bitOr();
    const ops: CompareOp[] = [];
    const operands = [first];
    while (true) {
      const t = this.peek();
      if (t.kind === "op" && COMPARE_OPS.has(t.text)) {
        this.next();
        ops.push(t.text as CompareOp);
        operands.push(this.bitOr());
      } else if (t.kind === "keyword" && (t.text === "in" || t.text === "is" || t.text === "not")) {
        this.fail(`"${t.text}" comparisons are not supported; compare values with == or !=`, t);
      } else {
        break;
      }
    }
    if (ops.length === 0) return first;
    return { type: "compare", ops, operands, span: this.span(first.span.start, operands[operands.length - 1]!.span.end) };
  }

  private binaryLevel(ops: readonly string[], operand: () => Node): Node {
    let left = operand();
    while (this.peek().kind === "op" && ops.includes(this.peek().text)) {
      const op = this.next().text as BinaryOp;
      const right = operand();
      left = { type: "binary", op, left, right, span: this.span(left.span.start, right.span.end) };
    }
    return left;
  }

  private bitOr(): Node {
    return this.binaryLevel(["|"], () => this.bitXor());
  }

  private bitXor(): Node {
    return this.binaryLevel(["^"], () => this.bitAnd());
  }

  private bitAnd(): Node {
    return this.binaryLevel(["&"], () => this.shift());
  }

  private shift(): Node {
    const node = this.arith();
    const t = this.peek();
    if (t.kind === "op" && (t.text === "<<" || t.text === ">>")) this.fail(`the shift operator "${t.text}" is not supported`, t);
    return node;
  }

  private arith(): Node {
    return this.binaryLevel(["+", "-"], () => this.term());
  }

  private term(): Node {
    return this.binaryLevel(["*", "/", "//", "%"], () => this.factor());
  }

  private factor(): Node {
    const t = this.peek();
    if (t.kind === "op" && (t.text === "-" || t.text === "+" || t.text === "~")) {
      this.next();
      const operand = this.factor();
      return { type: "unary", op: t.text, operand, span: this.span(t.start, operand.span.end) };
    }
    if (t.kind === "keyword" && t.text === "not") this.fail(LOGIC_KEYWORDS.not!, t);
    return this.power();
  }

  private power(): Node {
    const base = this.postfix();
    if (!this.isOp("**")) return base;
    this.next();
    // Right-associative and binds tighter than a unary minus on its left: -x**2 == -(x**2).
    const exponent = this.factor();
    return { type: "binary", op: "**", left: base, right: exponent, span: this.span(base.span.start, exponent.span.end) };
  }

  private postfix(): Node {
    let node = this.atom();
    while (true) {
      if (this.isOp("(")) {
        node = this.call(node);
      } else if (this.isOp("[")) {
        node = this.subscript(node);
      } else {
        return node;
      }
    }
  }

  private call(callee: Node): Node {
    const open = this.next();
    if (callee.type !== "name") this.fail("only named functions can be called", callee.span);
    const args: Node[] = [];
    const keywords: Keyword[] = [];
    while (!this.isOp(")")) {
      const t = this.peek();
      const after = this.tokens[this.pos + 1]!;
      if (t.kind === "name" && after.kind === "op" && after.text === "=") {
        this.pos += 2;
        const value = this.expression();
        if (keywords.some((k) => k.name === t.text)) this.fail(`keyword argument "${t.text}" repeated`, t);
        keywords.push({ name: t.text, value, span: this.span(t.start, value.span.end) });
      } else {
        if (keywords.length > 0) this.fail("positional argument after a keyword argument", t);
        args.push(this.expression());
      }
      if (!this.isOp(",")) break;
      this.next();
    }
    const close = this.expect(")", `to close the call opened at column ${open.start + 1}`);
    const name = callee.name;
    const span = this.span(callee.span.start, close.end);
    if (name === "get") return this.getCall(args, keywords, span);
    return { type: "call", name, nameSpan: callee.span, args, keywords, span };
  }

  /** `get("odd name")` refers to a branch whose name is not an identifier. */
  private getCall(args: Node[], keywords: Keyword[], span: Span): Node {
    const arg = args[0];
    if (args.length !== 1 || keywords.length > 0 || arg?.type !== "string") {
      return this.fail('get() takes exactly one string: get("branch name")', span);
    }
    return { type: "name", name: arg.value, span };
  }

  private subscript(target: Node): Node {
    this.next();
    const items: SubscriptItem[] = [];
    while (true) {
      items.push(this.subscriptItem());
      if (!this.isOp(",")) break;
      this.next();
      if (this.isOp("]")) break;
    }
    const close = this.expect("]", "to close the subscript");
    return { type: "subscript", target, items, span: this.span(target.span.start, close.end) };
  }

  private subscriptItem(): SubscriptItem {
    const start = this.peek().start;
    const bound = (): Node | undefined => (this.isOp(":") || this.isOp(",") || this.isOp("]") ? undefined : this.expression());
    const first = bound();
    if (!this.isOp(":")) {
      if (!first) this.fail("empty subscript", this.peek());
      return { type: "expr", node: first!, span: first!.span };
    }
    this.next();
    const stop = bound();
    let step: Node | undefined;
    if (this.isOp(":")) {
      this.next();
      step = bound();
    }
    return { type: "slice", start: first, stop, step, span: this.span(start, this.tokens[this.pos - 1]!.end) };
  }

  private atom(): Node {
    const t = this.next();
    switch (t.kind) {
      case "number":
        return { type: "number", value: t.value!, isInt: t.isInt!, span: this.span(t.start, t.end) };
      case "name":
        return { type: "name", name: t.text, span: this.span(t.start, t.end) };
      case "keyword":
        if (t.text === "True" || t.text === "False") return { type: "boolean", value: t.text === "True", span: this.span(t.start, t.end) };
        if (LOGIC_KEYWORDS[t.text]) this.fail(LOGIC_KEYWORDS[t.text]!, t);
        if (t.text === "None") this.fail("None is not supported", t);
        return this.fail(`unexpected keyword "${t.text}"`, t);
      case "string":
        return { type: "string", value: t.text, span: this.span(t.start, t.end) };
      case "op":
        if (t.text === "(") {
          const inner = this.expression();
          if (this.isOp(",")) this.fail("tuples are not supported", this.peek());
          const close = this.expect(")", `to close the parenthesis opened at column ${t.start + 1}`);
          // Widen the span to include the parentheses so messages quote what the user wrote.
          return { ...inner, span: this.span(t.start, close.end) };
        }
        return this.fail(`unexpected ${describe(t)}`, t);
      default:
        return this.fail("unexpected end of expression", t);
    }
  }
}

function describe(t: Token): string {
  if (t.kind === "end") return "end of expression";
  if (t.kind === "op") return `"${t.text}"`;
  return `${t.kind} "${t.text}"`;
}
