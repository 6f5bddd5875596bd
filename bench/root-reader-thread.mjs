// Entry of a reader thread of bench/root.ts: TypeScript through tsx, as in the main thread.
import { register } from "tsx/esm/api";

register();
await import("./root-reader-thread-task.ts");
