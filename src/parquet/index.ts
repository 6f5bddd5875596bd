export * from "./read.js";
export * from "./write.js";
export { closeNames as closeMatches } from "../text/close-names.js";
