/**
 * sxflow's ROOT reader as bench/root.ts times it: the built package (dist/index.js, `npm run
 * build`), which is what users run. Through tsx the sources are transformed on load (esbuild
 * with keepNames wraps every function and class in a naming call), and that code was measured
 * 10-15 % slower per open + read of a small tree than the compiled one; JSROOT is timed as
 * published too. Refuses a dist/ older than src/. SXFLOW_BENCH_DIST names another built
 * package's dist/ instead (bench/root.ts --baseline: an earlier version, not checked).
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OTHER = process.env.SXFLOW_BENCH_DIST;

/** The newest modification time of the TypeScript sources under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** The package's entry point (openRoot and the rest of the public API). */
export async function sxflowPackage(): Promise<typeof import("../src/index.js")> {
  const entry = path.join(OTHER ?? path.join(ROOT, "dist"), "index.js");
  if (OTHER === undefined) {
    let built = -1;
    try {
      built = statSync(entry).mtimeMs;
    } catch {
      // missing: reported below
    }
    if (built < newestSource(path.join(ROOT, "src"))) throw new Error(`dist/index.js is missing or older than src/: run \`npm run build\` first`);
  }
  return (await import(pathToFileURL(entry).href)) as typeof import("../src/index.js");
}
