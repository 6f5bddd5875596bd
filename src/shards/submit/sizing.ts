import { count } from "../../text/count.js";

/**
 * Events per shard from which a sharded run costs at most about 10 % more CPU than one run: every
 * shard process pays 2-3 s of CPU beyond its events (Node and its modules, worker threads, JIT
 * warm-up). Measured with bench:shards at 1e8 events, 10.7 % passing, 2 workers (2026-12-04):
 * shards of 5e7 events +6.7 % and +9.5 %, of 2.5e7 +15.9 % and +17.9 %, of 1e7 +19 to +26 %.
 */
export const ADVISED_SHARD_EVENTS = 5e7;

function events(n: number): string {
  return n >= 1e6 ? `${count(Number((n / 1e6).toFixed(1)))} M` : count(Math.round(n));
}

/**
 * What to tell the user who splits `entries` events into `shards` shards smaller than the advised
 * size, or undefined when the shards are large enough (or there is one).
 */
export function shardSizeNotice(entries: number, shards: number): string | undefined {
  if (shards <= 1 || entries / shards >= ADVISED_SHARD_EVENTS) return undefined;
  const fewer = Math.floor(entries / ADVISED_SHARD_EVENTS);
  const advice =
    fewer >= 2
      ? `--shards ${fewer} gives shards of ${events(entries / fewer)} events`
      : "At this size one \"sxflow run\" costs the least CPU: shard it only to finish sooner";
  return (
    `${events(entries)} events in ${shards} shards is ${events(entries / shards)} events per shard; each shard costs 2-3 s of CPU ` +
    `beyond its events, so shards below ${events(ADVISED_SHARD_EVENTS)} events add more than about 10 % CPU to the run ` +
    `(docs/scale-out.md, "Sizing"). ${advice}.`
  );
}
