import { closeNames } from "../text/close-names.js";

export { editDistance } from "../text/close-names.js";

/** The closest candidate (see closeNames), if any is close enough. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  return closeNames(word, candidates, 1)[0];
}
