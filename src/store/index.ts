export {
  BlobIntegrityError,
  BlobNotFoundError,
  BlobStoreError,
  type BlobStoreErrorCode,
  BlobStoreRequestError,
} from "./errors";
export type { BlobStore } from "./blob-store";
export { blobKey, normalizeBlobKey } from "./content-key";
export { LocalBlobStore } from "./local";
export { type FetchFunction, HttpBlobStore, type HttpBlobStoreOptions } from "./http";
export {
  type BlobServer,
  type BlobServerLogEntry,
  type BlobServerOptions,
  MIN_WRITE_TOKEN_LENGTH,
  startBlobServer,
} from "./server";
