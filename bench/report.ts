/**
 * The report page's cost (issue #16: < 5 % of the run time): the IC example on generated samples,
 * run with `report.html: true` (histogram partials in the workers, their merge, the page) and
 * `false`, interleaved pair by pair so that both see the same load, best of N each. Reports wall
 * and CPU time (CPU is the steadier figure on a shared machine), the page phase, and the load
 * average around every pair.
 *
 * Usage: npm run bench:report [-- --events 2000000] [--workers 2] [--repeat 3] [--dir .sxflow-tmp/bench-report]
 *
 * Separate from bench:run (which also prints this comparison once, inside its full matrix) so that
 * the comparison can be repeated on its own. Each run is a child process on the compiled package.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { icConfig, icSamples, option, ROOT } from "./ic-input.js";

const EVENTS = Number(option("events", "2000000"));
const WORKERS = Number(option("workers", "2"));
const REPEAT = Math.max(1, Number(option("repeat", "3")));
const DIR = path.resolve(ROOT, option("dir", ".sxflow-tmp/bench-report"));

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(" ");

/** The IC example on the generated samples, uncompressed, with or without the report page. */
const config = (inputs: string, html: boolean): string =>
  icConfig(inputs, path.join(DIR, html ? "out-page" : "out-nopage"), "bench.yaml", (doc) => doc.setIn(["report", "html"], html));

interface Run {
  seconds: number;
  cpuSeconds: number;
  page: number;
  eventsRead: number;
}

/** One run in a fresh process: its wall time (the report's), CPU time of all its threads, the page phase. */
function run(file: string): Run {
  const code = `
    const { runPipeline } = await import(${JSON.stringify(path.join(ROOT, "dist", "index.js"))});
    const r = await runPipeline(${JSON.stringify(file)}, { workers: ${WORKERS}, notice: () => {} });
    const u = process.resourceUsage();
    process.stdout.write(JSON.stringify({ seconds: r.seconds, eventsRead: r.eventsRead, page: r.phases["report page"] ?? 0, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
  `;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`run failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as Run;
}

async function main(): Promise<void> {
  console.log(`sxflow bench:report  ${new Date().toISOString()}  ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load ${load()}`);
  execFileSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "inherit" });
  const inputs = await icSamples(DIR, EVENTS);
  const [withPage, without] = [config(inputs, true), config(inputs, false)];
  const best = { page: undefined as Run | undefined, nopage: undefined as Run | undefined };
  for (let k = 0; k < REPEAT; k++) {
    // Alternate which goes first, so that neither always runs on the warmer page cache.
    const order = k % 2 === 0 ? (["page", "nopage"] as const) : (["nopage", "page"] as const);
    const before = load();
    const pair = Object.fromEntries(order.map((o) => [o, run(o === "page" ? withPage : without)])) as Record<"page" | "nopage", Run>;
    console.log(
      `  pair ${k + 1}: with page ${pair.page.seconds.toFixed(2)} s (CPU ${pair.page.cpuSeconds.toFixed(2)} s, page ${pair.page.page.toFixed(2)} s), ` +
        `without ${pair.nopage.seconds.toFixed(2)} s (CPU ${pair.nopage.cpuSeconds.toFixed(2)} s); load ${before} -> ${load()}`,
    );
    for (const o of order) if (!best[o] || pair[o].seconds < best[o]!.seconds) best[o] = pair[o];
  }
  const [a, b] = [best.page!, best.nopage!];
  const pct = (x: number, y: number): string => `${((100 * (x - y)) / y).toFixed(1)} %`;
  console.log(`\nIC example, ${a.eventsRead.toLocaleString("en-US")} events, ${WORKERS} workers, best of ${REPEAT} interleaved pairs:`);
  console.log(`  report.html true:  ${a.seconds.toFixed(2)} s wall, ${a.cpuSeconds.toFixed(2)} s CPU (of which the page phase ${a.page.toFixed(2)} s wall)`);
  console.log(`  report.html false: ${b.seconds.toFixed(2)} s wall, ${b.cpuSeconds.toFixed(2)} s CPU`);
  console.log(`  cost of the report: ${pct(a.seconds, b.seconds)} of the wall time, ${pct(a.cpuSeconds, b.cpuSeconds)} of the CPU time (target < 5 %); load now ${load()}`);
}

await main();
