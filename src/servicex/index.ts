export type {
  Backend,
  ResultFile,
  ResultFormat,
  ResultPage,
  ServerInfo,
  TransformRequest,
  TransformStatus,
} from "./backend.js";
export { TERMINAL_STATUSES, UnknownRequestError, isTerminal } from "./backend.js";
export { type CacheRecord, QueryCache, requestHash } from "./cache.js";
export {
  type EndpointConfig,
  LOCAL_ENDPOINT,
  type ServiceXConfig,
  findConfigFile,
  loadConfig,
  parseConfig,
  selectEndpoint,
} from "./config.js";
export { type DatasetSpec, resolveDataset } from "./dataset.js";
export { type DeliverOptions, type DeliverResult, createBackend, deliver } from "./deliver.js";
export { DeliverAbortedError, DeliverError, ServiceXError } from "./errors.js";
export { TransformFailedError } from "./poll.js";
export { HttpBackend } from "./http-backend.js";
export { LocalBackend } from "./local/backend.js";
export {
  UPROOT_RAW_CODEGEN,
  type UprootRawCopyQuery,
  type UprootRawQuery,
  type UprootRawTreeQuery,
  buildUprootRaw,
  validateUprootRaw,
} from "./query.js";
export { type DeliverSpec, type Delivery, type QuerySpec, type SampleSpec, loadSpecFile, sampleRequests, validateSpec } from "./spec.js";
export { type RemoteStructure, STRUCTURE_QUERY, type TreeStructure, remoteStructure } from "./structure.js";
export { localFileName, sha1Hex } from "./download.js";
