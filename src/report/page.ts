import { finiteCount } from "../stages/histogram.js";
import { displayBinning, rebin } from "./binning.js";
import { esc, figure, fmt, framePage, pct } from "./page-frame.js";
import type { RunData } from "./page-frame.js";
import { classColor } from "./palette.js";
import { barPlot, stepPlot } from "./plots.js";
import type { Bar, StepSeries } from "./plots.js";

/**
 * The plotted sections of the report page. Drawn by the run on its page thread (page-thread.ts):
 * `plottedSections` as soon as the histograms are final, `timingSection` from the final times.
 */

export type { RunData } from "./page-frame.js";

const INTEGER_TYPES = new Set(["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]);

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

/** The sections drawn from the runs' data: cut flows, splits and class weights, multiplicities, input distributions. */
export function plottedSections(runs: readonly RunData[]): string {
  return [cutFlowSection(runs), splitsSection(runs), multiplicitySection(runs), fieldsSection(runs)].join("\n");
}

/** The section drawn from the runs' times. */
export function timingSection(runs: readonly RunData[]): string {
  const bars: Bar[] = [];
  runs.forEach((run, k) => {
    for (const [phase, seconds] of Object.entries(run.report.phases ?? {})) bars.push({ category: phase, value: seconds, run: k });
  });
  const caption = runs.map((r) => `${esc(r.label)}: ${r.report.seconds.toFixed(2)} s in all, ${fmt(r.report.eventsPerSecond)} events/s`).join("<br>");
  return `<section class="time"><h2>Timing</h2>${figure("timing", "Time per phase", barPlot(bars, { x: "seconds" }), caption)}</section>`;
}

/** The whole page, drawn on this thread (`sxflow report`). */
export function renderReportPage(runs: readonly RunData[]): string {
  return framePage(runs, plottedSections(runs), timingSection(runs));
}
