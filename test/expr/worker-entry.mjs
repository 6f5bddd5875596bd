// Worker entry: Node 20 applies no loader hooks to a worker's entry file, so register tsx here
// and then load the TypeScript worker code.
import { register } from "tsx/esm/api";

register();
await import("./worker-fixture.ts");
