import type { Markish, PlotOptions } from "@observablehq/plot";
import { classColor, PALETTE, RUN_DASH } from "./palette.js";
import * as Plot from "./plot-lib.js";

/**
 * SVG plots of the report page, drawn by Observable Plot on a linkedom document (no browser, no
 * canvas). Each function returns one `<svg>` element as text; colours are fixed per class so the
 * page's legends match.
 */

/** The DOM document type Plot expects (the project compiles without the DOM library). */
type PlotDocument = NonNullable<PlotOptions["document"]>;

let doc: PlotDocument | undefined;

function document(): PlotDocument {
  return (doc ??= Plot.parseHTML("<!doctype html><html><head></head><body></body></html>").document as unknown as PlotDocument);
}

function svg(options: PlotOptions): string {
  const node = Plot.plot({ document: document(), style: { background: "white", overflow: "visible" }, ...options });
  return (node as unknown as { outerHTML: string }).outerHTML;
}

/** One histogram line: display edges and one value per bin. */
export interface StepSeries {
  edges: readonly number[];
  values: readonly number[];
  cls: number;
  run: number;
}

/** Corners of a stepped outline that starts and ends on zero. */
function stepPoints(s: StepSeries): { x: number; y: number }[] {
  const n = s.values.length;
  const pts = [{ x: s.edges[0]!, y: 0 }];
  for (let k = 0; k < n; k++) pts.push({ x: s.edges[k]!, y: s.values[k]! }, { x: s.edges[k + 1]!, y: s.values[k]! });
  pts.push({ x: s.edges[n]!, y: 0 });
  return pts;
}

/** Histograms drawn as stepped outlines, one per class and run, with optional vertical rules (e.g. a `max` line). */
export function stepPlot(
  series: readonly StepSeries[],
  axes: { x: string; y: string; log?: boolean; rules?: { x: number; label: string }[] },
): string {
  const marks: Markish[] = [Plot.ruleY([0])];
  for (const s of series) {
    marks.push(Plot.line(stepPoints(s), { x: "x", y: "y", stroke: classColor(s.cls), strokeWidth: 1.5, strokeDasharray: RUN_DASH[s.run] }));
  }
  for (const r of axes.rules ?? []) {
    marks.push(Plot.ruleX([r.x], { stroke: "#c00", strokeDasharray: "2,2" }));
    marks.push(Plot.text([r], { x: "x", frameAnchor: "top", text: "label", dx: 4, textAnchor: "start", fill: "#c00" }));
  }
  return svg({
    width: 440,
    height: 220,
    marginLeft: 56,
    x: { label: axes.x, type: axes.log ? "log" : "linear" },
    y: { label: axes.y, grid: true },
    marks,
  });
}

/** One bar of a horizontal bar chart: a category (in order) and values per run. */
export interface Bar {
  category: string;
  value: number;
  run: number;
  /** Lighter bar drawn behind the main one (e.g. a cut's pass count alone behind the cumulative count). */
  behind?: number;
  color?: string;
}

/**
 * Horizontal bars by category in the given order. The first run is drawn as bars, a second run
 * as black ticks on the same axes; `behind` values as pale bars under the first run's bars.
 */
export function barPlot(bars: readonly Bar[], axes: { x: string; marginLeft?: number; labelWidth?: number; height?: number }): string {
  const categories = [...new Set(bars.map((b) => b.category))];
  const first = bars.filter((b) => b.run === 0);
  const other = bars.filter((b) => b.run !== 0);
  const width = axes.labelWidth ?? 40;
  const short = (s: string) => (s.length > width ? `${s.slice(0, width - 1)}…` : s);
  const marks: Markish[] = [];
  const behind = first.filter((b) => b.behind !== undefined);
  if (behind.length) marks.push(Plot.barX(behind, { y: "category", x: "behind", fill: "#cfd8ec" }));
  marks.push(Plot.barX(first, { y: "category", x: "value", fill: (b: Bar) => b.color ?? PALETTE[0] }));
  if (other.length) marks.push(Plot.tickX(other, { y: "category", x: "value", stroke: "black", strokeWidth: 2.5 }));
  marks.push(Plot.ruleX([0]));
  return svg({
    width: 640,
    height: axes.height ?? Math.max(80, 30 + categories.length * 26),
    marginLeft: axes.marginLeft ?? 180,
    x: { label: axes.x, grid: true },
    y: { label: null, domain: categories, tickFormat: short },
    marks,
  });
}
