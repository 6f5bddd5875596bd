import { moduleBeside } from "./pool/worker-pool.js";

/**
 * The package's worker module (worker.ts), for every pool of the package. Resolved from here, at
 * the top of src/ (or dist/), because the build bundles the compiled code into files that all sit
 * at the top of dist/ (scripts/build.mjs): a path relative to a module in a subfolder would be
 * wrong there.
 */
export function workerModule(): URL {
  return moduleBeside(import.meta.url, "worker");
}
