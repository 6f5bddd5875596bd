export { orderedMap } from "./ordered-map.js";
export type { OrderedMapOptions } from "./ordered-map.js";
export { createWorkerPool, defaultWorkerCount } from "./worker-pool.js";
export type { TaskFunction, WorkerPool, WorkerPoolOptions } from "./worker-pool.js";
