import type { Footer } from "./footer.js";

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The tree of each row group as its footer statistics tell it (a string column whose minimum
 * equals its maximum, without nulls, holds one value), or undefined for a group whose column must
 * be read to know: mixed trees, nulls, or no statistics written.
 */
export function treesFromFooter(footer: Footer, column: string): (string | undefined)[] {
  const decoder = new TextDecoder();
  return footer.rowGroups.map((group) => {
    if (!group.columns || group.numRows === 0) return undefined;
    for (const c of group.columns) {
      if (c.path?.length !== 1 || c.path[0] !== column) continue;
      const { minValue: min, maxValue: max } = c;
      if (c.nullCount !== 0 || !min || !max) return undefined;
      return sameBytes(min, max) ? decoder.decode(min) : undefined;
    }
    return undefined;
  });
}
