import { stat } from "node:fs/promises";
import path from "node:path";
import { glob, isDynamicPattern } from "tinyglobby";

/** True when `pattern` holds glob syntax (`*`, `?`, `[0-9]`, `{a,b}`, `**`), not just a path. */
export function isGlob(pattern: string): boolean {
  return isDynamicPattern(pattern);
}

/**
 * Files matching a glob (tinyglobby: `*`, `?`, `**`, classes `[0-9]`, braces `{a,b}`), resolved
 * against `baseDir` when relative; hidden files match only a pattern that names the dot, and
 * symlinks are followed. Sorted by code unit, so the file order (and the output) never depends on
 * the directory listing order. A pattern without glob syntax yields the file if it exists.
 */
export async function expandGlob(pattern: string, baseDir: string): Promise<string[]> {
  const absolute = path.resolve(baseDir, pattern);
  if (!isGlob(pattern)) return (await stat(absolute).catch(() => undefined))?.isFile() ? [absolute] : [];
  // tinyglobby takes POSIX separators; the patterns here are paths on this machine.
  const found = await glob(absolute.split(path.sep).join("/"), { absolute: true, onlyFiles: true, followSymbolicLinks: true, expandDirectories: false });
  return [...new Set(found.map((f) => path.resolve(f)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
