import { ExpressionError } from "./errors.js";

export type TokenKind = "number" | "string" | "name" | "keyword" | "op" | "end";

export interface Token {
  kind: TokenKind;
  /** The source text of the token (for strings: the decoded value). */
  text: string;
  /** Numeric value of a number token. */
  value?: number;
  /** True for integer literals (Python int), false for floats. */
  isInt?: boolean;
  start: number;
  end: number;
}

/** Python keywords the language recognises only to reject them with a useful message. */
const KEYWORDS = new Set(["True", "False", "None", "and", "or", "not", "if", "else", "in", "is", "lambda", "for"]);

/** Longest first so `**` wins over `*`, `//` over `/`, `<=` over `<`. */
const OPERATORS = ["**", "//", "==", "!=", "<=", ">=", "<<", ">>", "+", "-", "*", "/", "%", "<", ">", "&", "|", "^", "~", "(", ")", "[", "]", ",", ":", "="];

const isIdStart = (c: string): boolean => /[A-Za-z_]/.test(c);
const isIdPart = (c: string): boolean => /[A-Za-z0-9_]/.test(c);
const isDigit = (c: string): boolean => c >= "0" && c <= "9";

/** Splits an expression into tokens; names may contain dots (`AnalysisElectronsAuxDyn.pt`). */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (reason: string, start: number, end = start + 1): never => {
    throw new ExpressionError(reason, source, { start, end });
  };
  while (i < source.length) {
    const c = source[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === "." && isDigit(source[i + 1] ?? ""))) {
      tokens.push(readNumber(source, i, fail));
      i = tokens[tokens.length - 1]!.end;
      continue;
    }
    if (isIdStart(c)) {
      while (i < source.length && isIdPart(source[i]!)) i++;
      // A dot followed by an identifier continues the name: ROOT branch names use dots.
      while (source[i] === "." && isIdStart(source[i + 1] ?? "")) {
        i++;
        while (i < source.length && isIdPart(source[i]!)) i++;
      }
      const text = source.slice(start, i);
      tokens.push({ kind: KEYWORDS.has(text) ? "keyword" : "name", text, start, end: i });
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      let text = "";
      while (i < source.length && source[i] !== c) {
        if (source[i] === "\\" && i + 1 < source.length) {
          const e = source[i + 1]!;
          text += e === "n" ? "\n" : e === "t" ? "\t" : e;
          i += 2;
        } else {
          text += source[i++];
        }
      }
      if (i >= source.length) fail("unterminated string", start, source.length);
      i++;
      tokens.push({ kind: "string", text, start, end: i });
      continue;
    }
    if (source.startsWith("&&", i) || source.startsWith("||", i)) fail(`"${c}${c}" is not Python; use "${c}"`, start, start + 2);
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op === undefined) {
      if (c === "!") fail('"!" is not an operator; use "~" for element-wise not, or "!=" to compare', start);
      fail(`unexpected character "${c}"`, start);
    }
    tokens.push({ kind: "op", text: op!, start, end: i + op!.length });
    i += op!.length;
  }
  tokens.push({ kind: "end", text: "", start: source.length, end: source.length });
  return tokens;
}

function readNumber(source: string, start: number, fail: (r: string, s: number, e?: number) => never): Token {
  const rest = source.slice(start);
  const radix = /^0([xXoObB])[0-9a-fA-F_]+/.exec(rest);
  let text: string;
  let isInt: boolean;
  let value: number;
  if (radix) {
    text = radix[0];
    const base = { x: 16, o: 8, b: 2 }[radix[1]!.toLowerCase() as "x" | "o" | "b"];
    const digits = text.slice(2).replace(/_/g, "");
    const valid = { 16: /^[0-9a-f]+$/i, 8: /^[0-7]+$/, 2: /^[01]+$/ }[base];
    if (!valid!.test(digits) || /__|_$/.test(text)) fail(`malformed number "${text}"`, start, start + text.length);
    value = parseInt(digits, base);
    isInt = true;
  } else {
    // Python's grammar: digits with single underscores between them, optional fraction and exponent.
    const m = /^(?:\d(?:_?\d)*)?(?:\.(?:\d(?:_?\d)*)?)?(?:[eE][+-]?\d(?:_?\d)*)?/.exec(rest)!;
    text = m[0];
    if (text === "" || text === ".") fail("malformed number", start);
    isInt = !/[.eE]/.test(text);
    value = Number(text.replace(/_/g, ""));
    if (Number.isNaN(value)) fail(`malformed number "${text}"`, start, start + text.length);
    if (isInt && text.length > 1 && text.startsWith("0") && /[1-9]/.test(text)) {
      fail(`leading zeros are not allowed in "${text}" (Python 3)`, start, start + text.length);
    }
  }
  const end = start + text.length;
  if (isIdPart(source[end] ?? "")) fail(`malformed number "${source.slice(start, end + 1)}"`, start, end + 1);
  return { kind: "number", text, value, isInt, start, end };
}
