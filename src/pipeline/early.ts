/**
 * Conversion of `delivery: stream` files while the ServiceX transform still runs. The run's plan
 * needs every file (task order, entry counts, the shuffle's bucket count), so each file reported
 * early is planned alone and its tasks converted on the pool; when the whole plan exists, a task
 * whose file was planned with the same record layout, cuts and splits takes its early result
 * (with the final task index and sample) instead of being converted again. Rows do not depend on
 * anything else, so the output is what converting after the transform gives. Early results are
 * held in memory up to a budget; tasks beyond it are converted afterwards as usual.
 */
import { randomUUID } from "node:crypto";
import type { RunConfig } from "../config/index.js";
import type { WorkerPool } from "../pool/index.js";
import type { WorkerHandlers } from "../worker.js";
import { buildPlan } from "./plan.js";
import type { FileScanner } from "./plan.js";
import type { EventBatch } from "../stages/index.js";
import { runChainSpecs } from "./stages.js";
import type { PipelinePlan, TaskSpec } from "./types.js";

const DEFAULT_BUDGET = 256 * 2 ** 20;

/** Everything of a plan that decides the rows of a task, besides its file and range. */
function layoutKey(plan: PipelinePlan, label: number): string {
  const { tree, branches, cuts, groups, split, rowBytes, entryKey } = plan;
  return JSON.stringify({ tree, branches, cuts, groups, split, rowBytes, entryKey, label });
}

export class EarlyConversion {
  /** Results by file and entry range, with the layout the file was planned with. */
  private readonly results = new Map<string, { layout: string; result: Promise<EventBatch> }>();
  private readonly work: Promise<void>[] = [];
  private held = 0;
  /** Tasks converted early (for progress and tests). */
  converted = 0;
  /** Files wholly converted and events converted, by deliver() sample. */
  private readonly counts = new Map<string, { files: number; events: number }>();

  constructor(
    private readonly pool: WorkerPool<WorkerHandlers>,
    private readonly config: RunConfig,
    private readonly signal: AbortSignal | undefined,
    private readonly budgetBytes = DEFAULT_BUDGET,
    /** Told after each converted task, for progress beside the transform's. */
    private readonly onConverted?: (request: string, counts: { files: number; events: number }) => void,
  ) {}

  /** A file of config sample `sample` (deliver() sample `request`) is available: plan it alone and convert its tasks. */
  add(sample: number, path: string, request: string): void {
    // A file that fails here (no entries, unreadable) is converted, and reported, with the run.
    this.work.push(this.convertFile(sample, path, request).catch(() => undefined));
  }

  private count(request: string, events: number, files: number): void {
    const c = this.counts.get(request) ?? { files: 0, events: 0 };
    c.events += events;
    c.files += files;
    this.counts.set(request, c);
    this.onConverted?.(request, { ...c });
  }

  private async convertFile(sample: number, path: string, request: string): Promise<void> {
    const s = this.config.samples[sample]!;
    const alone: RunConfig = { ...this.config, samples: [{ ...s, files: [{ path, format: "parquet" }] }] };
    const scan: FileScanner = async (p, format, tree) => {
      const r = await this.pool.run("scanFile", { run: id, path: p, format, tree }, undefined, this.signal);
      return { ...r, branches: new Map(r.branches) };
    };
    const id = randomUUID();
    try {
      const { plan, tasks } = await buildPlan(alone, { id, scan });
      const layout = layoutKey(plan, s.label);
      const name = this.pool.workers > 0 ? "runChainMoved" : "runChain";
      const specs = runChainSpecs(plan);
      for (const t of tasks) {
        if (this.held >= this.budgetBytes || this.signal?.aborted) return;
        const result = this.pool.run(name, { chain: id, specs, input: t }, undefined, this.signal);
        this.results.set(`${path}\0${t.start}\0${t.stop}`, { layout, result });
        const r = await result;
        this.held += r.rows!.byteLength;
        this.converted++;
        this.count(request, t.stop - t.start, 0);
      }
      this.count(request, 0, 1);
    } finally {
      // The file opened for this plan (in this thread when the pool has no workers).
      await this.pool.run("releaseRun", id).catch(() => undefined);
    }
  }

  /** The early result of a task of the run's plan, if there is one made with the same layout. */
  take(plan: PipelinePlan, task: TaskSpec): Promise<EventBatch> | undefined {
    const file = plan.files[task.file]!;
    const key = `${file.path}\0${task.start}\0${task.stop}`;
    const early = this.results.get(key);
    if (!early || early.layout !== layoutKey(plan, plan.samples[file.sample]!.label)) return undefined;
    this.results.delete(key);
    return early.result.then((r) => {
      this.held -= r.rows!.byteLength;
      return { ...r, header: { ...r.header, index: task.index, sample: file.sample } };
    });
  }

  /** Waits for conversions still running (before the pool stops). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.work);
    await Promise.allSettled([...this.results.values()].map((e) => e.result));
  }
}
