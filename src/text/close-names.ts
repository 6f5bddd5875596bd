/** Levenshtein distance (insertions, deletions, substitutions), for did-you-mean suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/**
 * How far `candidate` is from `name` (lower is closer), or undefined when it is too far to
 * suggest. Case is ignored. Accepted: an edit distance within a third of the name's length (at
 * least 2), or one name containing the other (`jet_pt` / `jet_pt_NOSYS`), scored by the length
 * difference so that a name's extension beats an unrelated near-miss.
 */
function closeness(name: string, candidate: string): number | undefined {
  const a = name.toLowerCase();
  const b = candidate.toLowerCase();
  let score = editDistance(a, b);
  const contained = Math.min(a.length, b.length) >= 2 && (b.includes(a) || a.includes(b));
  if (contained) score = Math.min(score, Math.abs(a.length - b.length) / 4);
  return contained || score <= Math.max(2, Math.floor(name.length / 3)) ? score : undefined;
}

/**
 * Up to `limit` candidates closest to `name`: only those as close as the closest one (a far
 * second guess is noise), ties in alphabetical order.
 */
export function closeNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of candidates) {
    const score = closeness(name, candidate);
    if (score !== undefined) scored.push({ candidate, score });
  }
  if (scored.length === 0) return [];
  const best = Math.min(...scored.map((s) => s.score));
  return scored
    .filter((s) => s.score === best)
    .map((s) => s.candidate)
    .sort((x, y) => x.localeCompare(y))
    .slice(0, limit);
}

/** `; did you mean "a"?` (or `"a" or "b"`, `"a", "b" or "c"`), or "" without names; `show` formats each name. */
export function didYouMeanPhrase(names: readonly string[], show: (name: string) => string = (n) => `"${n}"`): string {
  if (names.length === 0) return "";
  const shown = names.map(show);
  const list = shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(", ")} or ${shown.at(-1)!}`;
  return `; did you mean ${list}?`;
}

/** The phrase for the names close to `name`, or "". */
export function suggestNames(name: string, candidates: Iterable<string>, limit = 3): string {
  return didYouMeanPhrase(closeNames(name, candidates, limit));
}
