import { ROOT_FIXTURES } from "../shared-data.js";
import { conformanceSuite } from "./conformance-suite.js";

conformanceSuite("fixtures/root", ROOT_FIXTURES);
