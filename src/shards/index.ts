export { parseShardId, shardName, shardTasks } from "./assign.js";
export type { ShardId, TaskRange } from "./assign.js";
export { runShard } from "./run-shard.js";
export { listShards, mergeShards } from "./merge.js";
export type { MergeOptions } from "./merge.js";
export { shardDir, shardsDir } from "./store.js";
export type { ShardManifest } from "./store.js";
