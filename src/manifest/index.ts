export { ManifestError, type ManifestErrorCode } from "./errors";
export { MAX_PURPOSE_ID } from "./fields";
export {
  type KeyManifest,
  MANIFEST_VERSION,
  MAX_MANIFEST_BYTES,
  type ManifestEntry,
  type ManifestInput,
  buildManifest,
  eligibleSetHash,
  manifestHash,
  parseManifest,
  serializeManifest,
} from "./manifest";
export {
  type DeliveredManifest,
  type ManifestExpectations,
  type OpenedContribution,
  type OpenedManifest,
  type OpenedManifests,
  openManifest,
  openManifests,
} from "./open";
export { type CustodianEntry, rewrapForBuyer } from "./rewrap";
