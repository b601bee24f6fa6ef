export { EnvelopeError, type EnvelopeErrorCode } from "./errors";
export { type BytesInput } from "./bytes";
export { type Curve, type CurveName, defaultCurve, nativeCurve, nobleCurve } from "./curve";
export {
  type KeyPair,
  type PrivateKeyInput,
  type PublicKeyInput,
  generateKeyPair,
  normalizePublicKey,
  publicKeyFromPrivate,
} from "./keys";
export { CIPHERTEXT_OVERHEAD, CIPHERTEXT_VERSION, DATA_KEY_LENGTH, NONCE_LENGTH, TAG_LENGTH } from "./aead";
export {
  WRAPPED_KEY_LENGTH,
  WRAPPED_KEY_VERSION,
  createRewrapper,
  rewrapDataKey,
  unwrapDataKey,
  wrapDataKey,
} from "./wrap";
export { type KeyShare, MAX_CUSTODIANS, keyCommitment, recoverDataKey, splitDataKey } from "./shares";
export {
  type CustodianSet,
  type SealRecipients,
  type SealedContribution,
  type SealedShare,
  contentHashOf,
  openContribution,
  sealContribution,
} from "./envelope";
