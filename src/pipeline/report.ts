import type { RunConfig } from "../config/index.js";
import type { NormDict } from "../stages/index.js";
import { SPLIT_NAMES } from "../stages/index.js";
import type { TaskHeader } from "../stages/index.js";

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
}

/** Accumulates task headers (in task order) into the report's counters. */
export class ReportBuilder {
  readonly samples: SampleReport[];
  readonly objects: PipelineReport["objects"] = {};
  readonly perClass: number[][];
  eventsRead = 0;

  constructor(private readonly config: RunConfig) {
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
  }

  /** Train events per class, for the class weights. */
  trainCounts(): number[] {
    return [...this.perClass[0]!];
  }

  finish(extra: Pick<PipelineReport, "sxflowVersion" | "workers" | "classWeights" | "normDict" | "outputs" | "seconds">): PipelineReport {
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
    };
  }
}
