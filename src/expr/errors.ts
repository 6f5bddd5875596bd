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
