import type { PipelineReport } from "../pipeline/report.js";
import type { RunHistograms } from "./histograms.js";
import { classColor, RUN_DASH } from "./palette.js";

/**
 * The report page around its plots: title, legends, the summary table, the style sheet. Plain
 * strings, no plotting library: the run assembles its page here, on its own thread, from the
 * sections the page thread drew (write.ts).
 */

/** One run drawn on the page: its JSON report and histograms, and the name it is shown under. */
export interface RunData {
  label: string;
  report: PipelineReport;
  histograms: RunHistograms;
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// One formatter for the page: toLocaleString with options builds a new one per call (tens of µs,
// thousands of calls). Made at the first number: the first Intl object loads the locale data
// (~20 ms of CPU), which a process that writes no page (a shard, a library user) need not pay.
let NUMBER: Intl.NumberFormat | undefined;

export function fmt(n: number): string {
  return (NUMBER ??= new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 })).format(n);
}

export function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(2)} %` : "n/a";
}

export function figure(id: string, title: string, svg: string, caption = ""): string {
  return `<figure class="plot" data-plot="${esc(id)}"><h3>${esc(title)}</h3>${svg}${caption ? `<figcaption>${caption}</figcaption>` : ""}</figure>`;
}

function classLegend(classes: readonly string[]): string {
  return classes.map((c, k) => `<span class="key"><i style="background:${classColor(k)}"></i>${esc(c)}</span>`).join("");
}

function runLegend(runs: readonly RunData[]): string {
  if (runs.length < 2) return "";
  return runs
    .map((r, k) => {
      const dash = RUN_DASH[k] ? ` stroke-dasharray="${RUN_DASH[k]}"` : "";
      return `<span class="key"><svg width="28" height="8"><line x1="0" y1="4" x2="28" y2="4" stroke="#333" stroke-width="2"${dash}/></svg>${esc(r.label)}${k > 0 ? " (black ticks on bar charts)" : ""}</span>`;
    })
    .join("");
}

function summaryTable(runs: readonly RunData[]): string {
  // Rows of class "time" (and the timing section) are what differs between runs of the same data.
  const rows: [string, (r: PipelineReport) => string, string?][] = [
    ["configuration", (r) => esc(r.config)],
    ["sxflow", (r) => esc(r.sxflowVersion)],
    ["events read", (r) => fmt(r.eventsRead) + (r.maxEvents !== undefined ? ` (limited to the first ${fmt(r.maxEvents)} of each sample)` : "")],
    ["events passing the cuts", (r) => `${fmt(r.eventsPassed)} (${pct(r.eventsPassed, r.eventsRead)})`],
    ["run time", (r) => `${r.seconds.toFixed(2)} s with ${r.workers} workers`, "time"],
    ["throughput", (r) => `${fmt(r.eventsPerSecond)} events/s`, "time"],
  ];
  const head = runs.length > 1 ? `<tr><th></th>${runs.map((r) => `<th>${esc(r.label)}</th>`).join("")}</tr>` : "";
  const row = ([name, f, cls]: (typeof rows)[number]) => `<tr${cls ? ` class="${cls}"` : ""}><th>${name}</th>${runs.map((r) => `<td>${f(r.report)}</td>`).join("")}</tr>`;
  return `<table class="summary">${head}${rows.map(row).join("")}</table>`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5em;color:#222;max-width:1400px}
h1{font-size:1.4em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{font-size:1em;margin:.3em 0}
.grid{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0 0 1em 0}figcaption{font-size:12px;color:#555;max-width:640px}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;font-size:13px}
caption{text-align:left;font-weight:600;padding:.3em 0}.key{margin-right:1.5em;white-space:nowrap}
.key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}.key svg{margin-right:4px}`;

/**
 * The report page: one HTML file with inline CSS and SVG, no scripts and no external resources,
 * so it opens from disk and offline. `sections` are the plotted sections drawn from the runs'
 * data, `timing` the section drawn from their times (page.ts); the summary table is made here
 * from the runs' final reports.
 */
export function framePage(runs: readonly RunData[], sections: string, timing: string): string {
  if (runs.length === 0 || runs.length > 2) throw new Error(`the report page shows one run or overlays two, got ${runs.length}`);
  const title = runs.length === 1 ? `sxflow report: ${runs[0]!.label}` : `sxflow report: ${runs[0]!.label} vs ${runs[1]!.label}`;
  const body = [`<h1>${esc(title)}</h1>`, `<p>${classLegend(runs[0]!.histograms.classes)}${runLegend(runs)}</p>`, summaryTable(runs), sections, timing].join("\n");
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body>\n${body}\n</body></html>\n`;
}
