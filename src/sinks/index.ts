export { writeFileAtomic } from "./atomic-write.js";
export { createEncoderPool, type EncoderPool } from "./encoder-pool.js";
export { outputPaths, splitPath } from "./paths.js";
export { classDictYaml, normDictYaml, pyyamlFloat, writeClassDict, writeNormDict } from "./salt-dicts.js";
export { SaltWriter, type SaltWriterOptions } from "./salt-hdf5.js";
export { saltSink, type RunSummary, type SinkContext, type SinkFactory, type SplitSink } from "./split-sink.js";
export { ArrowFileWriter, arrowSchema, arrowSink, arrowSplitSink, rowsToArrow } from "./arrow.js";
export type { ArrowFileOptions } from "./arrow.js";
export * from "./tensors/index.js";
