// Runs deliver() in a child process so that a test can kill it mid-transform (a real crash).
import { deliver } from "../../src/servicex/index.js";

const [specJson, optsJson] = process.argv.slice(2);
await deliver(JSON.parse(specJson), JSON.parse(optsJson));
