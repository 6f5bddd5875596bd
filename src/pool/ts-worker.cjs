// Worker entry used only when sxflow runs from TypeScript source (tests, tsx): Node 20 ignores
// `--import tsx` in worker threads, so the worker registers tsx itself and then loads the real
// task module. Piscina looks task functions up by name on this object and awaits them.
"use strict";
const { workerData } = require("piscina");

const loaded = (async () => {
  const { register } = await import("tsx/esm/api");
  register();
  return import(workerData.sxflowTaskModule);
})();

module.exports = new Proxy({}, { get: (_target, name) => loaded.then((m) => m[name]) });
