// A vitest reporter for CI: appends a line to $SXFLOW_TEST_TRACE whenever a test file or test case
// starts or ends, so that a tier stopped by CI's time limit can name what was still running (the
// default reporter prints a file only once it is done, and a hung file never is).
import { appendFileSync } from "node:fs";

const trace = process.env.SXFLOW_TEST_TRACE;
const log = (line) => {
  if (trace) appendFileSync(trace, `${new Date().toISOString()} ${line}\n`);
};

export default class RunningReporter {
  onTestModuleStart(m) {
    log(`file-start ${m.moduleId}`);
  }
  onTestModuleEnd(m) {
    log(`file-end ${m.moduleId}`);
  }
  onTestCaseReady(t) {
    log(`case-start ${t.module.moduleId} :: ${t.fullName}`);
  }
  onTestCaseResult(t) {
    log(`case-end ${t.module.moduleId} :: ${t.fullName}`);
  }
}
