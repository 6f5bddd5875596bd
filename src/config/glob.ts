import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/** True when a path segment holds a wildcard (`*`, `?`). */
function isPattern(segment: string): boolean {
  return /[*?]/.test(segment);
}

/** Regular expression for one path segment: `*` any run of characters but `/`, `?` one character. */
export function segmentRegExp(segment: string): RegExp {
  let source = "";
  for (const ch of segment) {
    if (ch === "*") source += "[^/]*";
    else if (ch === "?") source += "[^/]";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

async function entries(dir: string): Promise<{ name: string; isDir: boolean }[]> {
  try {
    const list = await readdir(dir, { withFileTypes: true });
    return Promise.all(
      list.map(async (e) => ({
        name: e.name,
        // Follow symlinks so linked data directories match like real ones.
        isDir: e.isDirectory() || (e.isSymbolicLink() && (await stat(path.join(dir, e.name)).catch(() => undefined))?.isDirectory() === true),
      })),
    );
  } catch {
    return [];
  }
}

async function walk(dir: string, segments: string[], out: Set<string>): Promise<void> {
  if (segments.length === 0) {
    const s = await stat(dir).catch(() => undefined);
    if (s?.isFile()) out.add(dir);
    return;
  }
  const [head, ...rest] = segments as [string, ...string[]];
  if (head === "**") {
    // Zero directories, then every subdirectory (hidden ones excluded, as in shells).
    await walk(dir, rest, out);
    for (const e of await entries(dir)) {
      if (e.isDir && !e.name.startsWith(".")) await walk(path.join(dir, e.name), segments, out);
    }
    return;
  }
  if (!isPattern(head)) {
    await walk(path.join(dir, head), rest, out);
    return;
  }
  const re = segmentRegExp(head);
  for (const e of await entries(dir)) {
    if (e.name.startsWith(".") && !head.startsWith(".")) continue;
    if (!re.test(e.name)) continue;
    if (rest.length > 0 && !e.isDir) continue;
    await walk(path.join(dir, e.name), rest, out);
  }
}

/**
 * Files matching a glob (`*`, `?` within a segment, `**` across directories), resolved against
 * `baseDir` when relative; sorted, so the file order (and the output) does not depend on the
 * directory listing order. A pattern without wildcards yields the file if it exists.
 */
export async function expandGlob(pattern: string, baseDir: string): Promise<string[]> {
  const absolute = path.resolve(baseDir, pattern);
  const { root } = path.parse(absolute);
  const segments = absolute.slice(root.length).split(path.sep).filter((s) => s.length > 0);
  const out = new Set<string>();
  await walk(root, segments, out);
  return [...out].sort();
}
