import { type BytesInput, decodeBytes, describeShape, toHex } from "./bytes";
import { DATA_KEY_LENGTH } from "./aead";
import { type Curve, defaultCurve } from "./curve";
import { ECIES_OVERHEAD, eciesDecrypt, eciesEncrypt } from "./ecies";
import { EnvelopeError } from "./errors";
import {
  type PrivateKeyInput,
  type PublicKeyInput,
  type ValidPrivateKey,
  type ValidPublicKey,
  parsePrivateKey,
  parsePublicKey,
} from "./keys";

/**
 * Wrapped data key, format version 1 (130 bytes):
 *
 *     version (1 byte, 0x01) || eciesjs payload (129 bytes)
 *
 * The eciesjs payload uses its default secp256k1 configuration: uncompressed ephemeral public
 * key (65 bytes) || AES-256-GCM nonce (16) || tag (16) || encrypted data key (32), with the
 * shared key derived by HKDF-SHA256 over the uncompressed ephemeral and shared points (see
 * `ecies.ts`). `eciesjs.decrypt(secret, wrapped.subarray(1))` opens it. The same format carries a
 * custodian's 32-byte key share.
 */
export const WRAPPED_KEY_VERSION = 1;
/** Length of a version-1 wrapped data key, in bytes. */
export const WRAPPED_KEY_LENGTH = 1 + ECIES_OVERHEAD + DATA_KEY_LENGTH;

/**
 * Wraps (encrypts) a data key to a recipient's secp256k1 public key with ECIES.
 * @param dataKey the 32-byte data key
 * @param recipientPublicKey 33- or 65-byte public key of whoever may unwrap it
 * @param role who the recipient is, used in error messages
 * @returns the 130-byte version-1 wrapped key
 * @throws EnvelopeError `INVALID_DATA_KEY`, `INVALID_PUBLIC_KEY`
 */
export function wrapDataKey(
  dataKey: Uint8Array,
  recipientPublicKey: PublicKeyInput,
  role = "recipient public key",
): Uint8Array {
  return wrapTo(dataKey, parsePublicKey(recipientPublicKey, role));
}

/**
 * Unwraps (decrypts) a data key with the private key it was wrapped to.
 * A wrong private key or any altered byte of the wrapped key fails; garbage is never returned.
 * @param wrapped the 130-byte version-1 wrapped key, bytes or hex
 * @param privateKey the recipient's 32-byte private key, bytes or hex
 * @returns the 32-byte data key; overwrite it with zeros when done
 * @throws EnvelopeError `MALFORMED_WRAPPED_KEY`, `UNSUPPORTED_WRAPPED_KEY_VERSION`, `INVALID_PRIVATE_KEY`, `UNWRAP_FAILED`
 */
export function unwrapDataKey(wrapped: BytesInput, privateKey: PrivateKeyInput): Uint8Array {
  const bytes = decodeWrappedKey(wrapped);
  const secret = parsePrivateKey(privateKey, "private key");
  try {
    return unwrapWith(bytes, secret);
  } finally {
    secret.fill(0);
  }
}

/**
 * Re-wraps a data key from the custodian to a buyer: unwraps it with the custodian's private key
 * and wraps it to the buyer's public key. The plain data key is zeroed before returning.
 * For many keys, {@link createRewrapper} validates the two keys once.
 * @param wrapped the data key wrapped to the custodian (130 bytes, bytes or hex)
 * @param custodianPrivateKey the custodian's 32-byte private key
 * @param buyerPublicKey the buyer's 33- or 65-byte public key (as stated in the access request)
 * @returns the data key wrapped to the buyer (130 bytes)
 * @throws EnvelopeError as {@link unwrapDataKey} and {@link wrapDataKey}
 */
export function rewrapDataKey(
  wrapped: BytesInput,
  custodianPrivateKey: PrivateKeyInput,
  buyerPublicKey: PublicKeyInput,
): Uint8Array {
  return createRewrapper(custodianPrivateKey, buyerPublicKey)(wrapped);
}

/**
 * Validates a custodian private key and a buyer public key once, and returns a function that
 * re-wraps data keys from the one to the other (as {@link rewrapDataKey} does for one key).
 * @param custodianPrivateKey the custodian's 32-byte private key
 * @param buyerPublicKey the buyer's 33- or 65-byte public key
 * @param curve the implementation to use (default: libsecp256k1 where it loads, else noble)
 * @returns `(wrapped) => wrappedToBuyer`, throwing as {@link rewrapDataKey}; three scalar
 *   multiplications per key (one to unwrap, two to wrap)
 * @throws EnvelopeError `INVALID_PUBLIC_KEY`, `INVALID_PRIVATE_KEY`
 */
export function createRewrapper(
  custodianPrivateKey: PrivateKeyInput,
  buyerPublicKey: PublicKeyInput,
  curve: Curve = defaultCurve(),
): (wrapped: BytesInput) => Uint8Array {
  const buyer = parsePublicKey(buyerPublicKey, "buyer public key", curve);
  const custodian = parsePrivateKey(custodianPrivateKey, "custodian private key", curve);
  return (wrapped) => {
    const dataKey = unwrapWith(decodeWrappedKey(wrapped), custodian, curve);
    try {
      return wrapTo(dataKey, buyer, curve);
    } finally {
      dataKey.fill(0);
    }
  };
}

/**
 * Wraps a data key (or a 32-byte key share) to an already validated public key.
 * @param dataKey the 32 bytes
 * @param recipient the recipient's public key, from `parsePublicKey`
 * @param curve the implementation to use
 * @returns the 130-byte version-1 wrapped key
 * @throws EnvelopeError `INVALID_DATA_KEY`
 */
export function wrapTo(dataKey: Uint8Array, recipient: ValidPublicKey, curve: Curve = defaultCurve()): Uint8Array {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_LENGTH) {
    throw new EnvelopeError(
      "INVALID_DATA_KEY",
      `The data key must be a ${DATA_KEY_LENGTH}-byte Uint8Array; got ${describeShape(dataKey)}.`,
    );
  }
  const payload = eciesEncrypt(curve, recipient, dataKey);
  const wrapped = new Uint8Array(WRAPPED_KEY_LENGTH);
  wrapped[0] = WRAPPED_KEY_VERSION;
  wrapped.set(payload, 1);
  return wrapped;
}

/**
 * Unwraps a well-formed wrapped key with an already validated private key.
 * @param bytes the wrapped key, as returned by {@link decodeWrappedKey}
 * @param secret the recipient's private key, from `parsePrivateKey`
 * @param curve the implementation to use
 * @returns the 32-byte data key (or key share)
 * @throws EnvelopeError `UNWRAP_FAILED`
 */
export function unwrapWith(bytes: Uint8Array, secret: ValidPrivateKey, curve: Curve = defaultCurve()): Uint8Array {
  let dataKey: Uint8Array;
  try {
    dataKey = eciesDecrypt(curve, secret, bytes.subarray(1));
  } catch (cause) {
    throw new EnvelopeError(
      "UNWRAP_FAILED",
      `Could not unwrap the data key with the private key whose public key is ${toHex(curve.publicKeyOf(secret, true))}: the key was wrapped to another public key, or the wrapped key was altered. Use the private key matching the public key the data key was wrapped to.`,
      { cause },
    );
  }
  if (dataKey.length !== DATA_KEY_LENGTH) {
    dataKey.fill(0);
    throw new EnvelopeError(
      "UNWRAP_FAILED",
      `The wrapped key decrypted to ${dataKey.length} bytes instead of a ${DATA_KEY_LENGTH}-byte data key; it was not produced by wrapDataKey().`,
    );
  }
  return dataKey;
}

/**
 * Checks the shape of a wrapped key (length and version) without decrypting it.
 * @param wrapped the candidate wrapped key, bytes or hex
 * @returns its bytes
 * @throws EnvelopeError `MALFORMED_WRAPPED_KEY`, `UNSUPPORTED_WRAPPED_KEY_VERSION`
 */
export function decodeWrappedKey(wrapped: BytesInput): Uint8Array {
  const bytes = decodeBytes(wrapped);
  if (bytes === undefined || bytes.length !== WRAPPED_KEY_LENGTH) {
    throw new EnvelopeError(
      "MALFORMED_WRAPPED_KEY",
      `A wrapped key must be ${WRAPPED_KEY_LENGTH} bytes (a Uint8Array or hex text); got ${describeShape(wrapped)}. Was it truncated or encoded twice?`,
    );
  }
  if (bytes[0] !== WRAPPED_KEY_VERSION) {
    throw new EnvelopeError(
      "UNSUPPORTED_WRAPPED_KEY_VERSION",
      `The wrapped key has format version ${bytes[0]}, but this library reads version ${WRAPPED_KEY_VERSION} only; it is corrupted, or needs a newer version of this library.`,
    );
  }
  return bytes;
}
