/**
 * The report's cost (issue #16: < 5 % of the run time), three ways:
 *
 * 1. The IC example on generated samples at each selection rate, run with `report.html: true`
 *    (histogram partials in the workers, their merge, the page) and `false`, interleaved pair by
 *    pair so that both see the same load (the order alternates), best of N each: wall and CPU time
 *    (CPU is the steadier figure on a shared machine), the page phase (what the run still waits
 *    for once its files are written), and the load average around every pair.
 * 2. Where the page's CPU goes: one run with the page under --cpu-prof; the page thread's profile
 *    split into thread start and module loading, plotting (Plot, d3), DOM (linkedom), serialising
 *    the SVG, the page's own code (binning, sections) and garbage collection; per plot.
 * 3. The page alone, from that run's outputs, in fresh processes (best and median of N): CPU of
 *    all threads from starting the page thread to the written page, and the same on the calling
 *    thread (workers: 0). Its share of a run holds under load better than the pairs' difference.
 * 4. The workers' share: CPU per event of the two stages that histogram (pad: multiplicities;
 *    statistics: field histograms), with and without histograms, on this thread, best of N.
 *
 * Usage: npm run bench:report [-- --events 2000000] [--dielectron 0,0.55] [--workers 2] [--repeat 3]
 *          [--dir .sxflow-tmp/bench-report] [--no-pairs] [--no-profile] [--no-stages]
 *
 * Each run is a child process on the compiled package (npm run build first, done here). Samples
 * are generated once into <dir>/events-<N>[-ee<d>]/ (bench/ic-input.ts; the `dielectron` knob: 0
 * passes ~1.5 % of the events, 0.55 about 11 %).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { loadRunConfig } from "../src/config/index.js";
import { compileStage } from "../src/pipeline/chain.js";
import { buildPlan, scanInThread } from "../src/pipeline/plan.js";
import { runStages } from "../src/pipeline/stages.js";
import { readStep } from "../src/sources/read-step.js";
import type { CpuProfile, ProfileNode } from "./cpu-profile.js";
import { icConfig, icSamples, option, ROOT } from "./ic-input.js";

const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const EVENTS = Number(option("events", "2000000"));
const DIELECTRON = option("dielectron", "0,0.55").split(",").map(Number);
const WORKERS = Number(option("workers", "2"));
const REPEAT = Math.max(1, Number(option("repeat", "3")));
const DIR = path.resolve(ROOT, option("dir", ".sxflow-tmp/bench-report"));

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(" ");

/** The IC example on the generated samples, uncompressed, with or without the report page. */
const config = (inputs: string, html: boolean): string =>
  icConfig(inputs, path.join(DIR, `out-${path.basename(inputs)}-${html ? "page" : "nopage"}`), "bench.yaml", (doc) => doc.setIn(["report", "html"], html));

interface Run {
  seconds: number;
  cpuSeconds: number;
  page: number;
  eventsRead: number;
  eventsPassed: number;
  pagePath?: string;
}

/** One run in a fresh process: its wall time (the report's), CPU time of all its threads, the page phase. */
function run(file: string, profileDir?: string): Run {
  const code = `
    const { runPipeline } = await import(${JSON.stringify(path.join(ROOT, "dist", "index.js"))});
    const r = await runPipeline(${JSON.stringify(file)}, { workers: ${WORKERS}, notice: () => {} });
    const u = process.resourceUsage();
    process.stdout.write(JSON.stringify({ seconds: r.seconds, eventsRead: r.eventsRead, eventsPassed: r.eventsPassed, pagePath: r.outputs.page,
      page: r.phases["report page"] ?? 0, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
  `;
  const prof = profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [];
  const child = spawnSync(process.execPath, [...prof, "--input-type=module", "-e", code], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`run failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as Run;
}

const pct = (x: number, y: number): string => `${x >= y ? "+" : ""}${((100 * (x - y)) / y).toFixed(1)} %`;

/** With and without the page, interleaved; the best (shortest wall) of each. */
function pairs(inputs: string): { page: Run; nopage: Run } {
  const [withPage, without] = [config(inputs, true), config(inputs, false)];
  const best = { page: undefined as Run | undefined, nopage: undefined as Run | undefined };
  for (let k = 0; k < REPEAT; k++) {
    // Alternate which goes first, so that neither always runs on the warmer page cache.
    const order = k % 2 === 0 ? (["page", "nopage"] as const) : (["nopage", "page"] as const);
    const before = load();
    const pair = Object.fromEntries(order.map((o) => [o, run(o === "page" ? withPage : without)])) as Record<"page" | "nopage", Run>;
    console.log(
      `  pair ${k + 1}: with page ${pair.page.seconds.toFixed(2)} s (CPU ${pair.page.cpuSeconds.toFixed(2)} s, page phase ${pair.page.page.toFixed(2)} s), ` +
        `without ${pair.nopage.seconds.toFixed(2)} s (CPU ${pair.nopage.cpuSeconds.toFixed(2)} s); load ${before} -> ${load()}`,
    );
    for (const o of order) if (!best[o] || pair[o].seconds < best[o]!.seconds) best[o] = pair[o];
  }
  return { page: best.page!, nopage: best.nopage! };
}

/** What a sample of the page thread was doing, from its stack (the innermost library or phase wins). */
function pageCategory(stack: ProfileNode["callFrame"][]): string {
  const [top] = stack;
  if (top?.functionName === "(garbage collector)") return "garbage collection";
  if (top?.functionName === "(idle)" || top?.functionName === "atomicsWaitLoop") return "idle";
  if (stack.some((f) => f.url.startsWith("node:internal/modules") || f.functionName === "loadReportPage")) return "thread start + module loading";
  if (stack.some((f) => f.functionName === "get outerHTML")) return "serialise SVG (linkedom outerHTML)";
  for (const f of stack) {
    // The compiled package has Plot, d3 and linkedom in one bundle (src/report/plot-lib.ts).
    if (/\/report\/plot-lib\.js|@observablehq\/plot|node_modules\/d3|linkedom/.test(f.url)) return "plots (Plot, d3, linkedom DOM)";
    if (/\/report\//.test(f.url)) return "page code (binning, sections)";
  }
  return stack.some((f) => /piscina|\/pool\//.test(f.url)) ? "thread hand-off" : top?.functionName === "(program)" ? "V8 (program)" : "thread start + module loading";
}

/** Milliseconds per category of a profile, each sample attributed by its whole stack. */
function categorise(profile: CpuProfile, category: (stack: ProfileNode["callFrame"][]) => string): Record<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, string>();
  const out: Record<string, number> = {};
  profile.samples.forEach((id, i) => {
    let c = memo.get(id);
    if (c === undefined) {
      const stack: ProfileNode["callFrame"][] = [];
      for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) stack.push(byId.get(x)!.callFrame);
      memo.set(id, (c = category(stack)));
    }
    out[c] = (out[c] ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000;
  });
  return out;
}

/** The page thread's CPU by category and the main thread's report code, from one profiled run. */
function pageProfile(inputs: string): void {
  const dir = path.join(DIR, "profile");
  rmSync(dir, { recursive: true, force: true });
  const r = run(config(inputs, true), dir);
  const plots = (readFileSync(r.pagePath!, "utf8").match(/data-plot="/g) ?? []).length;
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => ({ thread: Number(f.split(".")[4]), profile: JSON.parse(readFileSync(path.join(dir, f), "utf8")) as CpuProfile }));
  const isPage = (p: CpuProfile) => p.nodes.some((n) => n.callFrame.functionName === "plottedSections");
  const page = profiles.find((p) => isPage(p.profile));
  if (!page) throw new Error(`no page thread among the profiles in ${dir}`);
  const times = categorise(page.profile, pageCategory);
  const busy = Object.entries(times).reduce((n, [k, v]) => (k === "idle" ? n : n + v), 0);
  console.log(`\nwhere the page thread's CPU goes (one run under --cpu-prof, ${plots} plots, ${r.eventsRead.toLocaleString("en-US")} events; load ${load()}):`);
  for (const [k, v] of Object.entries(times).sort((a, b) => b[1] - a[1])) if (k !== "idle") console.log(`  ${k.padEnd(36)} ${v.toFixed(0).padStart(5)} ms`);
  console.log(`  ${"busy in all".padEnd(36)} ${busy.toFixed(0).padStart(5)} ms`);
  const drawing = ["plots (Plot, d3, linkedom DOM)", "serialise SVG (linkedom outerHTML)", "page code (binning, sections)"].reduce((n, k) => n + (times[k] ?? 0), 0);
  console.log(`  drawing per plot: ${(drawing / plots).toFixed(1)} ms (plots, serialising, page code over ${plots} plots)`);
  const main = profiles.find((p) => p.thread === 0)!;
  const mainReport = categorise(main.profile, (stack) => (stack.some((f) => /\/report\/|ReportPage/.test(f.url + f.functionName)) ? "report" : "other")).report ?? 0;
  console.log(`  main thread, report code (histogram merge, page frame, writing): ${mainReport.toFixed(0)} ms`);
}

interface StepTimes {
  pad: number;
  statistics: number;
}

/** CPU milliseconds of drawing and writing the page of a run's outputs, in a fresh process each time (all threads: process.resourceUsage). */
function pageAlone(outputDir: string, threads: number): number {
  const code = `
    const { readFileSync } = await import("node:fs");
    const { ReportPage } = await import(${JSON.stringify(path.join(ROOT, "dist", "index.js"))});
    const dir = ${JSON.stringify(outputDir)};
    const name = "ic_ttbar_wjets";
    const run = { label: name, report: JSON.parse(readFileSync(dir + "/" + name + "_report.json", "utf8")), histograms: JSON.parse(readFileSync(dir + "/" + name + "_histograms.json", "utf8")) };
    const cpu = () => { const u = process.resourceUsage(); return (u.userCPUTime + u.systemCPUTime) / 1000; };
    const start = cpu();
    const page = new ReportPage(${threads});
    page.draw(run);
    await page.write(run, dir + "/alone_histograms.json", dir + "/alone_report.html");
    await page.close();
    process.stdout.write(String(cpu() - start));
  `;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`page alone failed:\n${child.stderr}`);
  return Number(child.stdout);
}

/** CPU milliseconds of the pad and statistics stages over every task of a configuration, with and without histograms; best of `rounds`. */
async function histogramSteps(configPath: string, rounds: number): Promise<{ events: number; passed: number; with: StepTimes; without: StepTimes }> {
  const cfg = await loadRunConfig(configPath);
  const built = await buildPlan(cfg, { id: "bench-report", scan: scanInThread });
  const variants = [true, false].map((histograms) => {
    const s = runStages({ ...built.plan, histograms });
    return { histograms, read: readStep(s.read), before: [s.cut, s.split].map(compileStage), pad: compileStage(s.pad), label: compileStage(s.label), statistics: compileStage(s.statistics) };
  });
  const best = new Map<boolean, StepTimes>();
  let passed = 0;
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  for (let round = 0; round < rounds; round++) {
    for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
      const ms: StepTimes = { pad: 0, statistics: 0 };
      passed = 0;
      for (const task of built.tasks) {
        let eb = await v.read(task);
        for (const step of v.before) eb = step(eb);
        let t = cpu();
        eb = v.pad(eb);
        ms.pad += cpu() - t;
        eb = v.label(eb);
        t = cpu();
        eb = v.statistics(eb);
        ms.statistics += cpu() - t;
        passed += eb.batch.length;
      }
      const prev = best.get(v.histograms);
      best.set(v.histograms, prev ? { pad: Math.min(prev.pad, ms.pad), statistics: Math.min(prev.statistics, ms.statistics) } : ms);
    }
  }
  return { events: built.totalEntries, passed, with: best.get(true)!, without: best.get(false)! };
}

async function main(): Promise<void> {
  console.log(`sxflow bench:report  ${new Date().toISOString()}  ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load ${load()}`);
  execFileSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "inherit" });
  const inputs = new Map<number, string>();
  for (const d of DIELECTRON) inputs.set(d, await icSamples(DIR, EVENTS, d));

  const summary: string[] = [];
  for (const d of flag("no-pairs") ? [] : DIELECTRON) {
    console.log(`\nIC example, ${EVENTS.toLocaleString("en-US")} events (dielectron ${d}), ${WORKERS} workers, ${REPEAT} interleaved pairs:`);
    const { page: a, nopage: b } = pairs(inputs.get(d)!);
    const rate = `${((100 * a.eventsPassed) / a.eventsRead).toFixed(1)} % selected`;
    console.log(`  best: report.html true ${a.seconds.toFixed(2)} s wall, ${a.cpuSeconds.toFixed(2)} s CPU (page phase ${a.page.toFixed(2)} s); false ${b.seconds.toFixed(2)} s wall, ${b.cpuSeconds.toFixed(2)} s CPU`);
    summary.push(`  ${rate}: ${pct(a.seconds, b.seconds)} of the wall time (${a.seconds.toFixed(2)} vs ${b.seconds.toFixed(2)} s), ${pct(a.cpuSeconds, b.cpuSeconds)} of the CPU time (${a.cpuSeconds.toFixed(2)} vs ${b.cpuSeconds.toFixed(2)} s)`);
  }
  if (summary.length) console.log(`\ncost of the report (best of ${REPEAT} each, target < 5 %; load now ${load()}):\n${summary.join("\n")}`);

  if (!flag("no-profile")) pageProfile(inputs.get(DIELECTRON[DIELECTRON.length - 1]!)!);

  const outputs = path.join(DIR, `out-${path.basename(inputs.get(DIELECTRON[DIELECTRON.length - 1]!)!)}-page`);
  const runs = Math.max(REPEAT, 5);
  console.log(`\nthe page alone, from the outputs in ${outputs}, ${runs} fresh processes each (CPU of every thread, ms; load ${load()}):`);
  for (const threads of [1, 0]) {
    const ms = Array.from({ length: runs }, () => pageAlone(outputs, threads)).sort((a, b) => a - b);
    console.log(`  ${threads ? "on the page thread (as a run does):" : "on the calling thread (workers: 0): "} best ${ms[0]!.toFixed(0)}, median ${ms[runs >> 1]!.toFixed(0)}`);
  }

  if (!flag("no-stages")) {
    console.log(`\nhistograms in the workers: CPU of the pad and statistics stages with and without them, on this thread, best of ${REPEAT}:`);
    for (const d of DIELECTRON) {
      const h = await histogramSteps(config(inputs.get(d)!, true), REPEAT);
      const ns = (ms: number, n: number) => ((ms * 1e6) / n).toFixed(1);
      const extra = (k: keyof StepTimes) => h.with[k] - h.without[k];
      const all = extra("pad") + extra("statistics");
      console.log(
        `  ${((100 * h.passed) / h.events).toFixed(1)} % selected: pad ${ns(h.with.pad, h.events)} vs ${ns(h.without.pad, h.events)}, statistics ${ns(h.with.statistics, h.events)} vs ${ns(h.without.statistics, h.events)} ns per event read; ` +
          `histograms +${ns(all, h.events)} ns per event read, +${ns(all, h.passed)} ns per selected event, ${all.toFixed(0)} ms in all`,
      );
    }
  }
}

await main();
