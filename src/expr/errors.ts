/** A span of the source text: [start, end) character offsets. */
export interface Span {
  start: number;
  end: number;
}

/**
 * Any problem with an expression: syntax, unknown name, type or structure mismatch.
 * The message quotes the expression with a caret line under the offending part.
 */
export class ExpressionError extends Error {
  constructor(
    readonly reason: string,
    readonly source: string,
    readonly span: Span,
  ) {
    super(`${reason}\n${pointAt(source, span)}`);
    this.name = "ExpressionError";
  }
}

/** Two lines: the expression (newlines flattened so the caret lines up) and carets under `span`. */
function pointAt(source: string, span: Span): string {
  const line = source.replace(/[\r\n\t]/g, " ");
  const start = Math.min(Math.max(span.start, 0), line.length);
  const width = Math.max(1, Math.min(span.end, line.length) - start);
  return `  ${line}\n  ${" ".repeat(start)}${"^".repeat(width)}`;
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** Up to `limit` candidates closest to `name` (case-insensitive edit distance, prefix matches first). */
export function closestNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = name.toLowerCase();
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    const cl = c.toLowerCase();
    let d = editDistance(lower, cl);
    if (cl.startsWith(lower) || lower.startsWith(cl)) d = Math.min(d, Math.abs(cl.length - lower.length) / 4);
    if (d <= Math.max(2, lower.length / 2)) scored.push({ c, d });
  }
  scored.sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  return scored.slice(0, limit).map((s) => s.c);
}
