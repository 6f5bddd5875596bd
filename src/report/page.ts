import type { PipelineReport } from "../pipeline/report.js";
import { finiteCount } from "../stages/histogram.js";
import { displayBinning, rebin } from "./binning.js";
import type { RunHistograms } from "./histograms.js";
import { barPlot, classColor, RUN_DASH, stepPlot } from "./plots.js";
import type { Bar, StepSeries } from "./plots.js";

/** One run drawn on the page: its JSON report and histograms, and the name it is shown under. */
export interface RunData {
  label: string;
  report: PipelineReport;
  histograms: RunHistograms;
}

const INTEGER_TYPES = new Set(["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]);

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: 3 });
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(2)} %` : "n/a";
}

function figure(id: string, title: string, svg: string, caption = ""): string {
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

function cutFlowSection(runs: readonly RunData[]): string {
  const names = [...new Set(runs.flatMap((r) => r.report.samples.map((s) => s.name)))];
  const out: string[] = [];
  for (const name of names) {
    const bars: Bar[] = [];
    const tables: string[] = [];
    runs.forEach((run, k) => {
      const s = run.report.samples.find((x) => x.name === name);
      if (!s) return;
      bars.push({ category: "0. read", value: s.eventsRead, run: k, behind: s.eventsRead });
      s.cutflow.forEach((c, i) => bars.push({ category: `${i + 1}. ${c.cut}`, value: c.cumulative, behind: c.pass, run: k }));
      const rows = s.cutflow
        .map((c, i) => `<tr><td>${i + 1}</td><td><code>${esc(c.cut)}</code></td><td>${fmt(c.pass)}</td><td>${fmt(c.cumulative)}</td><td>${pct(c.cumulative, s.eventsRead)}</td></tr>`)
        .join("");
      tables.push(
        `<table class="cuts"><caption>${esc(run.label)}: ${esc(name)} (class "${esc(s.className)}"), ${fmt(s.eventsRead)} events read</caption>` +
          `<tr><th>#</th><th>cut</th><th>pass alone</th><th>pass all so far</th><th>efficiency</th></tr>${rows}</table>`,
      );
    });
    const caption = "Dark bars: events passing this cut and every earlier one; pale bars: events passing this cut alone.";
    out.push(figure(`cutflow:${name}`, `Cut flow: ${name}`, barPlot(bars, { x: "events", marginLeft: 300, labelWidth: 48 }), caption) + tables.join(""));
  }
  return `<section><h2>Cut flow per sample</h2>${out.join("")}</section>`;
}

function splitsSection(runs: readonly RunData[]): string {
  const classes = runs[0]!.histograms.classes;
  const bars: Bar[] = [];
  runs.forEach((run, k) => {
    for (const [split, v] of Object.entries(run.report.splits)) {
      v.perClass.forEach((n, c) => bars.push({ category: `${split} · ${classes[c] ?? c}`, value: n, run: k, color: classColor(c) }));
    }
  });
  const weights: Bar[] = [];
  runs.forEach((run, k) => run.report.classWeights.forEach((w, c) => weights.push({ category: classes[c] ?? String(c), value: w, run: k, color: classColor(c) })));
  return (
    `<section><h2>Events per split and class</h2>${figure("splits", "Events per split and class", barPlot(bars, { x: "events" }))}` +
    `${figure("class-weights", "Class weights (class_dict.yaml)", barPlot(weights, { x: "weight" }))}</section>`
  );
}

function multiplicitySection(runs: readonly RunData[]): string {
  const groups = Object.keys(runs[0]!.histograms.multiplicity);
  if (groups.length === 0) return "";
  const out: string[] = [];
  for (const g of groups) {
    const series: StepSeries[] = [];
    const notes: string[] = [];
    let maxK = 0;
    let slots = 0;
    runs.forEach((run, r) => {
      const m = run.histograms.multiplicity[g];
      if (!m) return;
      slots = Math.max(slots, m.max);
      m.perClass.forEach((counts) => (maxK = Math.max(maxK, counts.length - 1)));
      m.perClass.forEach((counts, c) => {
        const events = counts.reduce((a, b) => a + b, 0);
        notes.push(`${runs.length > 1 ? `${esc(run.label)} ` : ""}${esc(run.histograms.classes[c]!)}: ${fmt(m.truncated[c]!)} of ${fmt(m.selected[c]!)} objects beyond max ${m.max} dropped (${pct(m.truncated[c]!, m.selected[c]!)})`);
        if (events === 0) return;
        series.push({ edges: [], values: counts.map((n) => n / events), cls: c, run: r });
      });
    });
    const top = Math.max(maxK, slots) + 1;
    const edges = Array.from({ length: top + 1 }, (_, k) => k - 0.5);
    for (const s of series) s.edges = edges.slice(0, s.values.length + 1);
    const svg = stepPlot(series, { x: `${g} objects per event (after cuts and selection)`, y: "fraction of events", rules: [{ x: slots + 0.5, label: `max ${slots}` }] });
    out.push(figure(`multiplicity:${g}`, `Multiplicity: ${g}`, svg, notes.join("<br>")));
  }
  return `<section><h2>Object multiplicity</h2>${out.join("")}</section>`;
}

/** Counts outside the display bins and without a bin, for a caption. */
function entriesNote(label: string, total: number, under: number, over: number, h: { nan: number; posInf: number; negInf: number }): string {
  const parts = [`${fmt(total)} entries`];
  if (under > 0.5 || over > 0.5) parts.push(`${fmt(Math.round(under))} below and ${fmt(Math.round(over))} above the axis`);
  parts.push(`NaN ${fmt(h.nan)}`, `+inf ${fmt(h.posInf)}`, `-inf ${fmt(h.negInf)}`);
  return `${esc(label)}: ${parts.join(", ")}`;
}

function fieldsSection(runs: readonly RunData[]): string {
  const first = runs[0]!.histograms;
  const out: string[] = [];
  for (const [g, fields] of Object.entries(first.fields)) {
    out.push(`<h3 class="group">${esc(g)}</h3><div class="grid">`);
    for (const [f, meta] of Object.entries(fields)) {
      const all = runs.flatMap((r) => r.histograms.fields[g]?.[f]?.perClass ?? []);
      const key = `${g}.${f}`;
      let binning;
      try {
        binning = displayBinning(all, INTEGER_TYPES.has(meta.type), first.binning[key]);
      } catch (err) {
        throw new Error(`report.binning."${key}": ${(err as Error).message}`);
      }
      const before: StepSeries[] = [];
      const after: StepSeries[] = [];
      const notes: string[] = [];
      runs.forEach((run, r) => {
        const h = run.histograms.fields[g]?.[f];
        if (!h) return;
        const norm = run.report.normDict[g]?.[f];
        h.perClass.forEach((hc, c) => {
          const total = finiteCount(hc) + hc.nan + hc.posInf + hc.negInf;
          const re = rebin(hc, binning.edges);
          notes.push(entriesNote(`${runs.length > 1 ? `${run.label} ` : ""}${run.histograms.classes[c]}`, total, re.underflow, re.overflow, hc));
          if (total === 0) return;
          const values = re.counts.map((n) => n / total);
          before.push({ edges: binning.edges, values, cls: c, run: r });
          if (norm) after.push({ edges: binning.edges.map((e) => (e - norm.mean) / norm.std), values, cls: c, run: r });
        });
      });
      const y = "fraction of entries";
      out.push(figure(`field:${key}`, `${key}`, stepPlot(before, { x: `${key}${binning.log ? " (log axis)" : ""}`, y, log: binning.log }), notes.join("<br>")));
      const norm = runs[0]!.report.normDict[g]?.[f];
      if (norm && after.length) {
        out.push(
          figure(`normalised:${key}`, `${key} normalised`, stepPlot(after, { x: `(${key} − ${norm.mean.toPrecision(5)}) / ${norm.std.toPrecision(5)}`, y }), runs.length > 1 ? "same entries, axis mapped by each run's norm_dict.yaml mean and std (the label gives the first run's)" : "same entries, axis mapped by the norm_dict.yaml mean and std"),
        );
      }
    }
    out.push("</div>");
  }
  return `<section><h2>Input distributions (train split, valid entries)</h2>${out.join("")}</section>`;
}

function timingSection(runs: readonly RunData[]): string {
  const bars: Bar[] = [];
  runs.forEach((run, k) => {
    for (const [phase, seconds] of Object.entries(run.report.phases ?? {})) bars.push({ category: phase, value: seconds, run: k });
  });
  const caption = runs.map((r) => `${esc(r.label)}: ${r.report.seconds.toFixed(2)} s in all, ${fmt(r.report.eventsPerSecond)} events/s`).join("<br>");
  return `<section class="time"><h2>Timing</h2>${figure("timing", "Time per phase", barPlot(bars, { x: "seconds" }), caption)}</section>`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5em;color:#222;max-width:1400px}
h1{font-size:1.4em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{font-size:1em;margin:.3em 0}
.grid{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0 0 1em 0}figcaption{font-size:12px;color:#555;max-width:640px}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;font-size:13px}
caption{text-align:left;font-weight:600;padding:.3em 0}.key{margin-right:1.5em;white-space:nowrap}
.key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}.key svg{margin-right:4px}`;

/**
 * The report page: one HTML file with inline CSS and SVG, no scripts and no external resources,
 * so it opens from disk and offline. Two runs are overlaid on the same axes (the first solid,
 * the second dashed or as ticks).
 */
export function renderReportPage(runs: readonly RunData[]): string {
  if (runs.length === 0 || runs.length > 2) throw new Error(`the report page shows one run or overlays two, got ${runs.length}`);
  const title = runs.length === 1 ? `sxflow report: ${runs[0]!.label}` : `sxflow report: ${runs[0]!.label} vs ${runs[1]!.label}`;
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p>${classLegend(runs[0]!.histograms.classes)}${runLegend(runs)}</p>`,
    summaryTable(runs),
    cutFlowSection(runs),
    splitsSection(runs),
    multiplicitySection(runs),
    fieldsSection(runs),
    timingSection(runs),
  ].join("\n");
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body>\n${body}\n</body></html>\n`;
}
