export { batches, fromSaltFile, isHdf5 } from "./batches.js";
export { checkOptions } from "./options.js";
export type { TensorOptions } from "./options.js";
export { prefetch } from "./order.js";
export { tensorPlan } from "./plan.js";
export type { TensorPlan } from "./plan.js";
export { SpillSink } from "./spill.js";
export type { OpenTensorsOptions, TensorBatch, TensorInput, TensorSource } from "./types.js";
