export { openTensors } from "./open.js";
export type { OpenTensorsOptions, TensorBatch, TensorInput, TensorSource } from "./types.js";
