import { setFlagsFromString } from "node:v8";

/**
 * V8 marks the heap on helper threads while JavaScript runs (concurrent marking). A conversion's
 * worker threads already keep every core busy, so those helpers only compete with them for the
 * cores: without them, each isolate marks incrementally on its own thread, and a 1e7-event shard
 * (2 workers on 2 cores) took 1.3-2.3 s less CPU and 0.6-1.0 s less wall time, for 60-100 MB more
 * peak memory. Set by the command before any worker thread starts (a thread's heap reads V8's
 * flags when it is made); the library leaves V8's settings to the program that loads it. A marking
 * flag on node's own command line wins.
 */
if (!process.execArgv.some((a) => /^--(no-)?concurrent-marking$/.test(a))) setFlagsFromString("--no-concurrent-marking");
