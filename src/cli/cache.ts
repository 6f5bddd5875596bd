import path from "node:path";
import { parseCommandArgs } from "./args.js";
import { type CacheRecord, QueryCache, loadConfig } from "../servicex/index.js";
import type { Command } from "./dispatch.js";

const HELP = `Usage: sxflow cache list|delete WHAT|clear [options]

The local ServiceX query cache under cache_path.
  list          one line per request: key, status, sample, request id, files, submit time
  delete WHAT   forget the request(s) whose request id or sample name is WHAT, or whose key
                starts with WHAT (6+ characters), and delete their downloaded files
  clear         forget every request and delete every downloaded file

Options:
  --config PATH    servicex.yaml to read cache_path from
  --cache-dir DIR  the cache directory (overrides cache_path)
`;

function line(r: CacheRecord): string {
  const files = r.files ? `${r.files.length} files` : "-";
  return [r.hash.slice(0, 12), r.status.padEnd(9), r.title, r.requestId, files, r.submitTime].join("  ");
}

export const run: Command = async (args) => {
  const parsed = parseCommandArgs("cache", HELP, args, { config: { type: "string" }, "cache-dir": { type: "string" } });
  if (typeof parsed === "number") return parsed;
  const { values: v, positionals } = parsed;
  const [action, what, ...extra] = positionals;
  const valid = (action === "list" || action === "clear") ? what === undefined : action === "delete" && what !== undefined && extra.length === 0;
  if (!valid) {
    process.stderr.write(`sxflow cache: expected "list", "delete WHAT" or "clear"\n\n${HELP}`);
    return 2;
  }
  const root = v["cache-dir"] ? path.resolve(v["cache-dir"]) : loadConfig({ configPath: v.config }).cachePath;
  const cache = new QueryCache(root);
  if (action === "list") {
    const records = await cache.list();
    if (records.length === 0) process.stdout.write(`cache ${root} is empty\n`);
    for (const r of records) process.stdout.write(`${line(r)}\n`);
    return 0;
  }
  const removed = action === "clear" ? await cache.clear() : await cache.delete(what as string);
  if (action === "delete" && removed.length === 0) {
    process.stderr.write(`sxflow cache: nothing in ${root} matches "${what}"\n`);
    return 1;
  }
  for (const r of removed) process.stdout.write(`deleted ${line(r)}\n`);
  return 0;
};
