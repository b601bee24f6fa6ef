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
export { type BlobServer, type BlobServerOptions, startBlobServer } from "./server";
