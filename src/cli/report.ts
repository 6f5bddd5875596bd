import path from "node:path";
import { writeFileAtomic } from "../sinks/atomic-write.js";
import { parseCommandArgs } from "./args.js";

const HELP = `Usage: sxflow report <output dir | report.json> [<output dir B | report.json>] [--out FILE]

Rebuilds a run's report page, <name>_report.html, from the <name>_report.json and
<name>_histograms.json in its output directory (after changing report.binning, for example).
With two runs, draws them on the same axes (the first solid, the second dashed) into
<dir A>/<name A>_vs_<name B>_report.html.

Options:
  --out FILE   write the page here instead
`;

/** `sxflow report`: the report page of one run again, or two runs overlaid. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs("report", HELP, args, { out: { type: "string" } });
  if (typeof parsed === "number") return parsed;
  const where = parsed.positionals;
  if (where.length < 1 || where.length > 2) {
    process.stderr.write(`sxflow report: expected one or two run output directories\n\n${HELP}`);
    return 2;
  }
  try {
    const { loadRun } = await import("../report/write.js");
    const { renderReportPage } = await import("../report/page.js");
    const runs = await Promise.all(where.map((w) => loadRun(w)));
    if (runs.length === 2) {
      // Tell the two runs apart on the page even when their outputs have the same name.
      if (runs[0]!.label === runs[1]!.label) runs.forEach((r) => (r.label = path.basename(path.resolve(r.dir))));
      if (runs[0]!.label === runs[1]!.label) runs.forEach((r, k) => (r.label = `${"AB"[k]}: ${r.name}`));
    }
    const out = parsed.values.out ?? path.join(runs[0]!.dir, runs.length === 1 ? `${runs[0]!.name}_report.html` : `${runs[0]!.name}_vs_${runs[1]!.name}_report.html`);
    await writeFileAtomic(out, renderReportPage(runs));
    process.stdout.write(`wrote ${out}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`sxflow report: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
