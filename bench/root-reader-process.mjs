// Entry of a reader process of bench/root.ts: TypeScript through tsx, as in the parent.
import { register } from "tsx/esm/api";

register();
await import("./root-reader-process-task.ts");
