/** An error in a ROOT file's content or in a request against it; the message names file, tree, branch and basket. */
export class RootError extends Error {
  override name = "RootError";
}
