import { availableParallelism, constants } from "node:os";
import { parseCommandArgs } from "./args.js";
import { startConversionPool } from "../pipeline/pool-start.js";
import { parseShardId } from "../shards/assign.js";
import type { ShardId } from "../shards/assign.js";
import type { ShardManifest } from "../shards/store.js";
import { SERVICEX_HELP, SERVICEX_OPTIONS, serviceXOptions } from "./servicex-options.js";
import type { PipelineReport } from "../pipeline/report.js";
import { count } from "../text/count.js";

// The conversion's modules (the configuration's schema and YAML parser, the pipeline, the
// readers' planning) load after the worker threads have started: the threads start up and load
// their own modules meanwhile. Modules, not the package indexes: a shard process loads only what
// it runs (the indexes pull in the Arrow, ServiceX and tensor code).
const conversion = async () => {
  const [{ Progress }, { runPipeline }, { runShard }] = await Promise.all([import("../pipeline/progress.js"), import("../pipeline/run.js"), import("../shards/run-shard.js")]);
  return { Progress, runPipeline, runShard };
};
const dryRunModules = async () => {
  const [{ loadRunConfig }, { describeRun }, { formatRunPlan }] = await Promise.all([import("../config/index.js"), import("../pipeline/dry-run.js"), import("./run-plan.js")]);
  return { loadRunConfig, describeRun, formatRunPlan };
};

const HELP = `Usage: sxflow run <config.yaml> [--workers N] [--max-events N] [--dry-run] [--shard I/N] [--quiet] [--verbose]

Converts the samples of a run configuration into SALT inputs: <name>_train.h5, <name>_val.h5,
<name>_test.h5, norm_dict.yaml, class_dict.yaml, <name>_report.json and the report page
<name>_report.html in output.dir.

Options:
  --workers N   worker threads (default: the config's workers, else every core; 0 = no threads)
  --max-events N
                read only the first N events of each sample (its files in order, the same
                events for any worker count): a quick check of a configuration; the summary
                and the reports say the run was limited (as the config key maxEvents does)
  --dry-run     print the plan (files and entries per sample, tasks, branches read, the
                ServiceX request and query per sample, output files) and stop: no event is
                read, nothing is fetched or written
  --shard I/N   convert only shard I (from 0) of N into output.dir/shards/I-of-N/; once all N
                are done, "sxflow merge <config.yaml>" writes the outputs (see docs/scale-out.md)
  --quiet       no progress bar and no summary

For samples given as ServiceX datasets or metadata categories (fetched before the conversion),
and logging:
${SERVICEX_HELP}`;

function summary(r: PipelineReport): string {
  const lines = [
    `read ${count(r.eventsRead)} events, ${count(r.eventsPassed)} passed the cuts ` +
      `(${r.seconds.toFixed(1)} s, ${count(r.eventsPerSecond)} events/s, ${r.workers} workers)`,
  ];
  if (r.maxEvents !== undefined) lines.push(`  limited to the first ${count(r.maxEvents)} events of each sample (maxEvents): not a full run`);
  // The cut flow: events passing each cut and every earlier one, next to the cut's text.
  for (const s of r.samples) {
    lines.push(`  ${s.name} (class ${s.label} "${s.className}"): ${count(s.eventsRead)} events read`);
    const width = Math.max(0, ...s.cutflow.map((c) => count(c.cumulative).length));
    for (const c of s.cutflow) lines.push(`    ${count(c.cumulative).padStart(width)}  ${c.cut}`);
  }
  for (const [split, v] of Object.entries(r.splits)) lines.push(`  ${split}: ${count(v.events)} events [${v.perClass.join(", ")}]`);
  for (const [g, o] of Object.entries(r.objects)) {
    if (o.truncated > 0) lines.push(`  ${g}: ${count(o.truncated)} of ${count(o.selected)} objects beyond max ${o.max} dropped`);
  }
  lines.push(`  class weights: [${r.classWeights.join(", ")}]`);
  for (const p of Object.values(r.outputs)) lines.push(`  wrote ${p}`);
  return `${lines.join("\n")}\n`;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs("run", HELP, args, {
    ...SERVICEX_OPTIONS,
    workers: { type: "string" },
    shard: { type: "string" },
    quiet: { type: "boolean" },
    "max-events": { type: "string" },
    "dry-run": { type: "boolean" },
  });
  if (typeof parsed === "number") return parsed;
  if (parsed.positionals.length !== 1) {
    process.stderr.write(`sxflow run: expected one configuration file\n\n${HELP}`);
    return 2;
  }
  let workers: number | undefined;
  if (parsed.values.workers !== undefined) {
    workers = Number(parsed.values.workers);
    if (!Number.isInteger(workers) || workers < 0) {
      process.stderr.write(`sxflow run: --workers must be a non-negative integer, got "${parsed.values.workers}"\n`);
      return 2;
    }
    // More threads than cores only adds contention (and memory); outputs do not depend on it.
    const cores = availableParallelism();
    if (workers > cores) {
      process.stderr.write(`sxflow run: --workers ${workers} capped to ${cores}, the number of cores\n`);
      workers = cores;
    }
  }
  let maxEvents: number | undefined;
  if (parsed.values["max-events"] !== undefined) {
    maxEvents = Number(parsed.values["max-events"]);
    if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) {
      process.stderr.write(`sxflow run: --max-events must be a positive integer, got "${parsed.values["max-events"]}"\n`);
      return 2;
    }
  }
  const dryRun = parsed.values["dry-run"] === true;
  if (parsed.values.shard !== undefined && (maxEvents !== undefined || dryRun)) {
    // A shard's merge loads the configuration again: a limit only on the command line would not match it.
    const what = dryRun ? "--dry-run plans the whole run" : "--max-events applies to a whole run; for shards set maxEvents in the configuration";
    process.stderr.write(`sxflow run: ${what}: drop --shard\n`);
    return 2;
  }
  let shard: ShardId | undefined;
  try {
    if (parsed.values.shard !== undefined) shard = parseShardId(parsed.values.shard);
  } catch (err) {
    process.stderr.write(`sxflow run: ${(err as Error).message}\n`);
    return 2;
  }
  const quiet = parsed.values.quiet === true;
  let servicex;
  try {
    servicex = serviceXOptions(parsed.values);
  } catch (err) {
    process.stderr.write(`sxflow run: ${(err as Error).message}\n`);
    return 2;
  }
  if (quiet) servicex.progress = false;
  if (dryRun) {
    try {
      const { loadRunConfig, describeRun, formatRunPlan } = await dryRunModules();
      const loaded = await loadRunConfig(parsed.positionals[0]!);
      const cfg = maxEvents === undefined ? loaded : { ...loaded, maxEvents };
      process.stdout.write(formatRunPlan(await describeRun(cfg, servicex.endpoint)));
      return 0;
    } catch (err) {
      process.stderr.write(`sxflow run: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  }
  const controller = new AbortController();
  // Ctrl-C, and what batch systems, `timeout` and containers send (SIGTERM: scancel, a time limit;
  // SIGHUP: a closed terminal): the run stops, removes its temporaries and leaves no output.
  const signals = { SIGINT: "interrupted (Ctrl-C)", SIGTERM: "terminated (SIGTERM)", SIGHUP: "hung up (SIGHUP)" } as const;
  let caught: keyof typeof signals | undefined;
  const handlers = (Object.keys(signals) as (keyof typeof signals)[]).map((sig) => {
    const handler = (): void => {
      caught = sig;
      controller.abort(new Error(`${signals[sig]}: no output written`));
    };
    process.once(sig, handler);
    return [sig, handler] as const;
  });
  // The threads' count is the configuration's when --workers is not given: started for every core
  // (the default), the run replaces them if the configuration asks for another count.
  const pool = startConversionPool(workers ?? availableParallelism());
  try {
    const { Progress, runPipeline, runShard } = await conversion();
    const notice = (message: string): void => void process.stderr.write(`sxflow run: ${message}\n`);
    const options = { workers, pool, signal: controller.signal, servicex, notice, ...(maxEvents !== undefined ? { maxEvents } : {}) };
    if (shard) {
      const done = await runShard(parsed.positionals[0]!, shard, options);
      if (!quiet) process.stdout.write(shardSummary(done.manifest, done.dir));
      return 0;
    }
    const progress = !quiet && Progress.enabledFor(process.stderr) ? process.stderr : undefined;
    const report = await runPipeline(parsed.positionals[0]!, { ...options, progress });
    if (!quiet) process.stdout.write(summary(report));
    return 0;
  } catch (err) {
    process.stderr.write(`sxflow run: ${err instanceof Error ? err.message : String(err)}\n`);
    // The shell convention: 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM).
    return caught ? 128 + constants.signals[caught] : 1;
  } finally {
    // The run closed the threads it used; these only if the run never got them (closing twice is harmless).
    await pool.then((p) => p.close(), () => undefined);
    for (const [sig, handler] of handlers) process.off(sig, handler);
  }
}

function shardSummary(m: ShardManifest, dir: string): string {
  return (
    `shard ${m.shard.index}/${m.shard.count}: tasks ${m.tasks.first}-${m.tasks.stop} of ${m.tasks.total}, ` +
    `read ${count(m.eventsRead)} events, ${count(m.eventsPassed)} passed the cuts (${m.seconds.toFixed(1)} s)\n` +
    `  wrote ${dir}\n`
  );
}
