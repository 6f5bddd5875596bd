/**
 * sxflow's ROOT reader as bench/root.ts times it: the compiled package (dist/, `npm run build`),
 * which is what users run. Through tsx the sources are transformed on load (esbuild with
 * keepNames wraps every function and class in a naming call), and that code was measured
 * 10-15 % slower per open + read of a small tree than the compiled one; JSROOT is timed as
 * published too. Refuses to run on a dist/ older than its sources. SXFLOW_BENCH_DIST names another
 * compiled package instead (bench/root.ts --baseline: an earlier version, not checked).
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Throws when some source file under src/ has no compiled counterpart in dist/ at least as new. */
function checkBuilt(dir = path.join(ROOT, "src")): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) checkBuilt(p);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) {
      const out = path.join(ROOT, "dist", path.relative(path.join(ROOT, "src"), p)).replace(/\.ts$/, ".js");
      let built = -1;
      try {
        built = statSync(out).mtimeMs;
      } catch {
        // missing: reported below
      }
      if (built < statSync(p).mtimeMs) throw new Error(`${path.relative(ROOT, out)} is missing or older than its source: run \`npm run build\` first`);
    }
  }
}

const OTHER = process.env.SXFLOW_BENCH_DIST;
let checked = OTHER !== undefined;

/** A module of the compiled package, e.g. distModule<typeof import("../src/root/index.js")>("root/index.js"). */
export async function distModule<T>(file: string): Promise<T> {
  if (!checked) checkBuilt();
  checked = true;
  return (await import(pathToFileURL(path.join(OTHER ?? path.join(ROOT, "dist"), file)).href)) as T;
}
