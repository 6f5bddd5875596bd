// Worker side of worker.test.ts: rebuilds a compiled cut from its serialised form and applies it.
import { parentPort } from "node:worker_threads";
import { cutMask, reviveExpression, type SerialisedExpression } from "../../src/index.js";
import type { Batch } from "../../src/batch/types.js";

parentPort!.on("message", (msg: { cut: SerialisedExpression; batch: Batch }) => {
  const mask = cutMask(msg.batch, reviveExpression(msg.cut));
  parentPort!.postMessage(mask, [mask.buffer as ArrayBuffer]);
});
