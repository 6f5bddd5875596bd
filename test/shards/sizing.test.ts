import { describe, expect, it } from "vitest";
import { ADVISED_SHARD_EVENTS, shardSizeNotice } from "../../src/shards/submit/sizing.js";

describe("sxflow submit's advice on the shard size", () => {
  it("says nothing for one shard or for shards of the advised size or more", () => {
    expect(shardSizeNotice(1e6, 1)).toBeUndefined();
    expect(shardSizeNotice(2 * ADVISED_SHARD_EVENTS, 2)).toBeUndefined();
    expect(shardSizeNotice(1e9, 20)).toBeUndefined();
  });

  it("names the shard size and a shard count that gives shards of the advised size", () => {
    const notice = shardSizeNotice(1e9, 100);
    expect(notice).toMatch(/^1,000 M events in 100 shards is 10 M events per shard; /);
    expect(notice).toMatch(/shards below 50 M events add more than about 10 % CPU/);
    expect(notice).toMatch(/--shards 20 gives shards of 50 M events\.$/);
    expect(shardSizeNotice(1.234e8, 4)).toMatch(/123\.4 M events in 4 shards is 30\.9 M events per shard; .*--shards 2 gives shards of 61\.7 M events\.$/);
  });

  it("advises a single run when the sample is smaller than two shards of the advised size", () => {
    expect(shardSizeNotice(7_000, 3)).toMatch(/^7,000 events in 3 shards is 2,333 events per shard; .*At this size one "sxflow run" costs the least CPU: shard it only to finish sooner\.$/);
    expect(shardSizeNotice(9e7, 2)).toMatch(/one "sxflow run" costs the least CPU/);
  });
});
