/**
 * Every problem found in sample metadata, a container name or a sample selection. The message
 * names the file, category and container concerned, so callers can print it as it is.
 */
export class MetadataError extends Error {
  override readonly name = "MetadataError";
}
