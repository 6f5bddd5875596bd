export * from "./tensors/index.js";
