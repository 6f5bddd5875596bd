import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { PipelineReport } from "../pipeline/report.js";
import { writeFileAtomic } from "../sinks/atomic-write.js";
import { parseRunHistograms } from "./histograms.js";
import { renderReportPage } from "./page.js";
import type { RunData } from "./page.js";

/**
 * Writes a run's histograms and its page (each atomically: temporary name, then rename).
 * Returns the paths written, so that the caller can remove them if a later output fails.
 */
export async function writeReportPage(run: RunData, histogramsPath: string, pagePath: string): Promise<string[]> {
  const page = renderReportPage([run]);
  await writeFileAtomic(histogramsPath, `${JSON.stringify(run.histograms)}\n`);
  await writeFileAtomic(pagePath, page);
  return [histogramsPath, pagePath];
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
