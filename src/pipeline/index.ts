export { runPipeline } from "./run.js";
export type { RunPipelineOptions } from "./run.js";
export { buildPlan, PipelineError } from "./plan.js";
export type { BuiltPlan } from "./plan.js";
export type { CutFlowStep, PipelineReport, SampleReport } from "./report.js";
export { Progress } from "./progress.js";
export type { PipelinePlan, TaskSpec } from "./types.js";
