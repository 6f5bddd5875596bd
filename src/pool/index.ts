export { orderedMap } from "./ordered-map.js";
export type { OrderedMapOptions } from "./ordered-map.js";
export { createThreadPool, createWorkerPool, defaultWorkerCount, dispatcher, moduleBeside, sharedWithThread } from "./worker-pool.js";
export type { HandlerTable, TaskCall, WorkerPool, WorkerPoolOptions } from "./worker-pool.js";
