import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { PipelineReport } from "../pipeline/report.js";
import { createWorkerPool } from "../pool/index.js";
import type { WorkerPool } from "../pool/index.js";
import { writeFileAtomic } from "../sinks/atomic-write.js";
import type { WorkerHandlers } from "../worker.js";
import { parseRunHistograms } from "./histograms.js";
import { framePage } from "./page-frame.js";
import type { RunData } from "./page-frame.js";
import { workerModule } from "../worker-module.js";

/**
 * A run's report page, drawn on a thread of its own so that the plotting library's loading and
 * the plots overlap the run (a second or so of CPU that would otherwise follow the written files):
 * the thread starts with the conversion and loads the library; `draw` hands it the histograms
 * and counts once they are final, while the run writes its files; `write` adds the sections that
 * show the final times and writes the page. With no worker threads (workers: 0) it all runs on
 * the calling thread, in the same order.
 */
export class ReportPage {
  private readonly pool: Promise<WorkerPool<WorkerHandlers>>;
  private sections?: Promise<string>;
  private closing?: Promise<void>;

  constructor(threads: number) {
    this.pool = createWorkerPool<WorkerHandlers>({ module: workerModule(), workers: threads > 0 ? 1 : 0 });
    // In a thread, the library loads at once; on this thread, with the first plot.
    const loading = threads > 0 ? this.pool.then((p) => p.run("loadReportPage", undefined)) : this.pool;
    // A failure is reported by `write`.
    loading.catch(() => undefined);
  }

  /** Starts drawing the sections that do not depend on the run's times (its histograms and counts are final). */
  draw(run: RunData): void {
    this.sections = this.pool.then((p) => p.run("reportSections", [run]));
    this.sections.catch(() => undefined);
  }

  /**
   * Writes the run's histograms and its page (each atomically: temporary name, then rename), the
   * page with the final `run.report`'s times. Returns the paths written, so that the caller can
   * remove them if a later output fails.
   */
  async write(run: RunData, histogramsPath: string, pagePath: string): Promise<string[]> {
    const pool = await this.pool;
    const [sections, timing] = await Promise.all([this.sections ?? pool.run("reportSections", [run]), pool.run("reportTiming", [run])]);
    await writeFileAtomic(histogramsPath, `${JSON.stringify(run.histograms)}\n`);
    await writeFileAtomic(pagePath, framePage([run], sections, timing));
    return [histogramsPath, pagePath];
  }

  /** Stops the page thread (also when the run failed before `write`); once, whoever asks first. */
  close(): Promise<void> {
    return (this.closing ??= this.pool.then((p) => p.close(), () => undefined));
  }
}

/**
 * Loads a run from its output directory (the one `<name>_report.json` there, with its
 * `<name>_histograms.json`) or from the path of a report JSON file.
 */
export async function loadRun(where: string): Promise<RunData & { dir: string; name: string }> {
  let reportPath = where;
  if (!where.endsWith(".json")) {
    let names: string[];
    try {
      names = (await readdir(where)).filter((n) => n.endsWith("_report.json")).sort();
    } catch (err) {
      throw new Error(`cannot read the output directory ${path.resolve(where)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (names.length !== 1) {
      throw new Error(
        names.length === 0
          ? `no <name>_report.json in ${path.resolve(where)} (is it the output.dir of a run?)`
          : `several runs in ${path.resolve(where)} (${names.join(", ")}): give the report JSON file`,
      );
    }
    reportPath = path.join(where, names[0]!);
  }
  const dir = path.dirname(reportPath);
  const name = path.basename(reportPath).replace(/_report\.json$/, "");
  const histogramsPath = path.join(dir, `${name}_histograms.json`);
  const read = (p: string) =>
    readFile(p, "utf8").catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot read ${path.resolve(p)}: ${err.code ?? err.message}${p === histogramsPath ? " (written by runs with report.html enabled)" : ""}`);
    });
  const report = JSON.parse(await read(reportPath)) as PipelineReport;
  const histograms = parseRunHistograms(await read(histogramsPath), histogramsPath);
  return { label: name, report, histograms, dir, name };
}
