/** An error in a ROOT file's content or in a request against it; the message names file, tree, branch and basket. */
export class RootError extends Error {
  override name = "RootError";
}

/** Levenshtein distance, for "did you mean" suggestions on unknown names. */
function distance(a: string, b: string): number {
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

/** `; did you mean "x"?` with the closest candidates, or "" when nothing is close. */
export function suggest(name: string, candidates: Iterable<string>): string {
  const limit = Math.max(2, Math.floor(name.length / 3));
  const scored: [number, string][] = [];
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d <= limit || c.toLowerCase().includes(name.toLowerCase())) scored.push([d, c]);
  }
  scored.sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1]));
  // Only the closest (ties included): a far second guess is noise.
  const best = scored.filter(([d]) => d === scored[0]![0]).slice(0, 3).map(([, c]) => `"${c}"`);
  if (best.length === 0) return "";
  return `; did you mean ${best.length === 1 ? best[0] : `one of ${best.join(", ")}`}?`;
}
