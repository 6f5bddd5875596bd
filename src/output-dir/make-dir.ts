import { mkdir, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Creates `dir` and its missing parents one level at a time. Node's recursive mkdir loops for ever
 * under /proc (each ENOENT sends it back to the parent, which exists); here every failure is an
 * error naming the directory that could not be made.
 */
export async function makeOutputDir(dir: string): Promise<void> {
  for (const m of await missingDirs(dir)) {
    try {
      await mkdir(m);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw new Error(`output directory "${dir}": cannot create "${m}": ${(err as Error).message}`);
    }
  }
}

/**
 * The directories `makeOutputDir` would create, outermost first; an error when the nearest existing
 * ancestor is not a directory (`sxflow config` checks this without creating anything).
 */
export async function missingDirs(dir: string): Promise<string[]> {
  const missing: string[] = [];
  let p = path.resolve(dir);
  for (;;) {
    const s = await stat(p).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
      throw new Error(`output directory "${dir}": cannot look at "${p}": ${err.message}`);
    });
    if (s) {
      if (!s.isDirectory()) throw new Error(`output directory "${dir}": "${p}" is not a directory`);
      break;
    }
    missing.unshift(p);
    const parent = path.dirname(p);
    if (parent === p) break;
    p = parent;
  }
  return missing;
}
