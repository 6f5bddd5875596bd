/** Shard `index` of `count` (from 0), as given on the command line as `index/count`. */
export interface ShardId {
  index: number;
  count: number;
}

/** Parses `i/n` (0 <= i < n); the error says what was wrong. */
export function parseShardId(text: string): ShardId {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`--shard expects i/n (e.g. 0/4), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new Error(`--shard ${text}: the shard count must be at least 1`);
  if (index >= count) throw new Error(`--shard ${text}: shards are numbered 0 to ${count - 1}`);
  return { index, count };
}

/** The name of a shard's directory under `<output.dir>/shards/`. */
export function shardName(id: ShardId): string {
  return `${id.index}-of-${id.count}`;
}

/** A half-open range of task indices. */
export interface TaskRange {
  first: number;
  stop: number;
}

/**
 * The tasks of shard `id`: consecutive tasks, so that the shards in order hold the run's tasks in
 * order, cut where the entries read before a task cross a multiple of total/count. It depends only
 * on the tasks (the inputs and batchSize), never on the worker count; a shard may get no task.
 */
export function shardTasks(tasks: readonly { start: number; stop: number }[], id: ShardId): TaskRange {
  const total = tasks.reduce((n, t) => n + (t.stop - t.start), 0);
  let before = 0;
  let first = tasks.length;
  let stop = tasks.length;
  for (let t = 0; t < tasks.length; t++) {
    const owner = total > 0 ? Math.min(id.count - 1, Math.floor((before * id.count) / total)) : 0;
    if (owner === id.index && first === tasks.length) first = t;
    if (owner > id.index) {
      stop = t;
      break;
    }
    before += tasks[t]!.stop - tasks[t]!.start;
  }
  return { first: Math.min(first, stop), stop };
}
