/** Reading HDF5 (through h5wasm). */
export { openH5, type H5Reader, type H5DatasetReader, type H5FieldInfo } from "./reader.js";
