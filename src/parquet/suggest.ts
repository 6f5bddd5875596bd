/** Edit distance between two strings (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Up to `limit` known names close to `name`: case-insensitive edit distance within a third of
 * the name's length, or names that contain it (e.g. "jet_pt" -> "jet_pt_NOSYS").
 */
export function closeMatches(name: string, known: Iterable<string>, limit = 3): string[] {
  const lower = name.toLowerCase();
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    const distance = editDistance(lower, c);
    if (distance <= Math.max(2, Math.floor(name.length / 3))) scored.push({ candidate, score: distance });
    else if (c.includes(lower) || lower.includes(c)) scored.push({ candidate, score: 100 + Math.abs(c.length - lower.length) });
  }
  scored.sort((x, y) => x.score - y.score || x.candidate.localeCompare(y.candidate));
  return scored.slice(0, limit).map((s) => s.candidate);
}

/** ` did you mean "a" or "b"?` or an empty string. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const matches = closeMatches(name, known);
  if (matches.length === 0) return "";
  return `; did you mean ${matches.map((m) => `"${m}"`).join(" or ")}?`;
}
