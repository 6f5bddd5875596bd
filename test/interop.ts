/**
 * `npm run test:interop`: the second test tier, the tests that check sxflow against external
 * oracles (see ./oracles.ts). Runs every `*.interop.test.ts` whose needs this machine meets and
 * says in one line what it did not run and how to enable it. With SXFLOW_INTEROP_STRICT=1 (CI)
 * a file left out is a failure, unless all it misses is in SXFLOW_INTEROP_OPTIONAL. Extra
 * arguments go to vitest.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ORACLES, declaredNeeds } from "./oracles.js";
import { REPO_ROOT } from "./shared-data.js";

const files = readdirSync(path.join(REPO_ROOT, "test"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".interop.test.ts"))
  .map((f) => path.join("test", f))
  .sort();

const available = new Map<string, boolean>();
const runnable: string[] = [];
const skipped: string[] = [];
for (const file of files) {
  const needs = declaredNeeds(readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n", 1)[0]!);
  if (!needs || needs.length === 0) {
    console.error(`${file}: an interop test file must start with "// interop: <need> ..." (needs: ${Object.keys(ORACLES).join(", ")})`);
    process.exit(2);
  }
  for (const need of needs) {
    const oracle = ORACLES[need];
    if (!oracle) {
      console.error(`${file}: unknown interop need "${need}" (known: ${Object.keys(ORACLES).join(", ")})`);
      process.exit(2);
    }
    if (!available.has(need)) available.set(need, oracle.available());
  }
  (needs.every((n) => available.get(n)) ? runnable : skipped).push(file);
}

const missing = [...available].filter(([, ok]) => !ok).map(([need]) => need);
if (skipped.length > 0) {
  const how = missing.map((n) => `${ORACLES[n]!.what} (${ORACLES[n]!.enable})`).join("; ");
  console.log(`test:interop: did not run ${skipped.length} of ${files.length} files (${skipped.map((f) => path.basename(f, ".interop.test.ts")).join(", ")}): missing ${how}`);
}

let status = 0;
if (runnable.length > 0) {
  const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
  const args = [vitest, "run", "--config", "vitest.interop.config.ts", ...process.argv.slice(2), ...runnable];
  const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: "inherit" });
  status = r.status ?? 1;
}
// SXFLOW_INTEROP_OPTIONAL lists needs whose absence strict mode forgives (CI: a cluster that did not start).
const optional = new Set((process.env.SXFLOW_INTEROP_OPTIONAL ?? "").split(/[\s,]+/).filter(Boolean));
if (process.env.SXFLOW_INTEROP_STRICT === "1" && missing.some((n) => !optional.has(n))) status ||= 1;
process.exit(status);
