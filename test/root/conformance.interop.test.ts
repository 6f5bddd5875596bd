// interop: shared
import { SHARED_ROOT_DIR } from "../shared-data.js";
import { conformanceSuite } from "./conformance-suite.js";

// The whole reference set, larger than what the repository carries in fixtures/root.
conformanceSuite("../shared/data/root", SHARED_ROOT_DIR);
