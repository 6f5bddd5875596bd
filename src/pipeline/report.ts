import type { RunConfig } from "../config/index.js";
import { logDebug } from "../log.js";
import { HistogramAccumulator } from "../report/histograms.js";
import type { HistogramLayout, RunHistograms } from "../report/histograms.js";
import type { NormDict } from "../stages/index.js";
import { SPLIT_NAMES } from "../stages/index.js";
import type { GroupPlan, TaskHeader } from "../stages/index.js";

export interface CutFlowStep {
  cut: string;
  /** Events passing this cut alone. */
  pass: number;
  /** Events passing this and every earlier cut. */
  cumulative: number;
}

export interface SampleReport {
  name: string;
  label: number;
  className: string;
  files: number;
  eventsRead: number;
  eventsPassed: number;
  cutflow: CutFlowStep[];
  splits: Record<string, number>;
  /** Events that matched no split rule (dropped). */
  unsplit: number;
}

/** The content of `<name>_report.json`. */
export interface PipelineReport {
  sxflowVersion: string;
  config: string;
  workers: number;
  eventsRead: number;
  eventsPassed: number;
  samples: SampleReport[];
  /** Events per split and class (class index -> count). */
  splits: Record<string, { events: number; perClass: number[] }>;
  /** Per object group: objects after selection, and objects dropped by the `max` truncation. */
  objects: Record<string, { selected: number; truncated: number; max: number }>;
  classWeights: number[];
  normDict: NormDict;
  outputs: Record<string, string>;
  seconds: number;
  eventsPerSecond: number;
  /** Wall-clock seconds per phase of the run, in order. */
  phases?: Record<string, number>;
  /** Set when the run read only the first `maxEvents` entries of each sample. */
  maxEvents?: number;
}

/** Accumulates task headers (in task order) into the report's counters. */
export class ReportBuilder {
  readonly samples: SampleReport[];
  readonly objects: PipelineReport["objects"] = {};
  readonly perClass: number[][];
  eventsRead = 0;
  /** The report page's histograms, merged per class; absent without `report.html` or without the run's groups. */
  private readonly histograms?: HistogramAccumulator;

  /** `groups`: the plan's output groups, which say what the histograms cover. */
  constructor(
    private readonly config: RunConfig,
    groups?: readonly GroupPlan[],
  ) {
    if (groups && config.report.html) this.histograms = new HistogramAccumulator(histogramLayout(config, groups));
    this.samples = config.samples.map((s) => ({
      name: s.name,
      label: s.label,
      className: config.classes[s.label]!,
      files: s.files.length,
      eventsRead: 0,
      eventsPassed: 0,
      cutflow: config.cuts.map((cut) => ({ cut, pass: 0, cumulative: 0 })),
      splits: Object.fromEntries(SPLIT_NAMES.map((n) => [n, 0])),
      unsplit: 0,
    }));
    this.perClass = SPLIT_NAMES.map(() => config.classes.map(() => 0));
    for (const [name, g] of Object.entries(config.objects)) {
      if (!g.global) this.objects[name] = { selected: 0, truncated: 0, max: g.max! };
    }
  }

  add(h: TaskHeader): void {
    const s = this.samples[h.sample]!;
    this.eventsRead += h.eventsRead;
    s.eventsRead += h.eventsRead;
    h.cutPass.forEach((n, k) => {
      s.cutflow[k]!.pass += n;
      s.cutflow[k]!.cumulative += h.cutCumulative[k]!;
    });
    s.eventsPassed += h.cutCumulative.length ? h.cutCumulative[h.cutCumulative.length - 1]! : h.eventsRead;
    SPLIT_NAMES.forEach((name, i) => {
      s.splits[name]! += h.splitRows[i]!;
      this.perClass[i]![s.label]! += h.splitRows[i]!;
    });
    s.unsplit += h.unsplit;
    for (const [g, n] of Object.entries(h.objects)) this.objects[g]!.selected += n;
    for (const [g, n] of Object.entries(h.truncated)) this.objects[g]!.truncated += n;
    this.histograms?.add(s.label, h.histograms, h.objects, h.truncated);
  }

  /** The merged histograms, when this builder collects them. */
  histogramResult(): RunHistograms | undefined {
    return this.histograms?.result();
  }

  /** Train events per class, for the class weights. */
  trainCounts(): number[] {
    return [...this.perClass[0]!];
  }

  finish(extra: Pick<PipelineReport, "sxflowVersion" | "workers" | "classWeights" | "normDict" | "outputs" | "seconds" | "phases">): PipelineReport {
    const eventsPassed = this.samples.reduce((n, s) => n + s.eventsPassed, 0);
    return {
      sxflowVersion: extra.sxflowVersion,
      config: this.config.source,
      workers: extra.workers,
      eventsRead: this.eventsRead,
      eventsPassed,
      samples: this.samples,
      splits: Object.fromEntries(
        SPLIT_NAMES.map((name, i) => [name, { events: this.perClass[i]!.reduce((a, b) => a + b, 0), perClass: this.perClass[i]! }]),
      ),
      objects: this.objects,
      classWeights: extra.classWeights,
      normDict: extra.normDict,
      outputs: extra.outputs,
      seconds: extra.seconds,
      eventsPerSecond: extra.seconds > 0 ? Math.round(this.eventsRead / extra.seconds) : 0,
      phases: { ...extra.phases },
      ...(this.config.maxEvents !== undefined ? { maxEvents: this.config.maxEvents } : {}),
    };
  }
}

/** Wall-clock seconds of consecutive phases: each `end` closes the phase running since the previous one (or `start`, a performance.now() time). */
export class PhaseTimer {
  readonly seconds: Record<string, number> = {};

  constructor(private last = performance.now()) {}

  end(phase: string, now = performance.now()): void {
    const seconds = (now - this.last) / 1000;
    this.seconds[phase] = (this.seconds[phase] ?? 0) + seconds;
    this.last = now;
    logDebug("run.phase", { phase, seconds: +seconds.toFixed(4) });
  }
}

/** What the report page's histograms cover: the normalisation inputs of every group (as typed in the files), and the object groups. */
function histogramLayout(config: RunConfig, groups: readonly GroupPlan[]): HistogramLayout {
  return {
    classes: config.classes,
    fields: Object.fromEntries(groups.map((g) => [g.name, Object.fromEntries(g.fields.filter((f) => f.stats).map((f) => [f.name, f.value]))])),
    objectGroups: Object.fromEntries(groups.filter((g) => !g.global).map((g) => [g.name, g.max])),
    binning: config.report.binning,
  };
}
