import { ECIES_CONFIG, type PrivateKey, type PublicKey, decrypt, encrypt } from "eciesjs";

import { type BytesInput, decodeBytes, describeShape, toHex } from "./bytes";
import { DATA_KEY_LENGTH } from "./aead";
import { EnvelopeError } from "./errors";
import { type PrivateKeyInput, type PublicKeyInput, parsePrivateKey, parsePublicKey } from "./keys";

/**
 * Wrapped data key, format version 1 (130 bytes):
 *
 *     version (1 byte, 0x01) || eciesjs payload (129 bytes)
 *
 * The eciesjs payload uses its default secp256k1 configuration: uncompressed ephemeral public
 * key (65 bytes) || AES-256-GCM nonce (16) || tag (16) || encrypted data key (32), with the
 * shared key derived by HKDF-SHA256 over the uncompressed ephemeral and shared points.
 */
export const WRAPPED_KEY_VERSION = 1;
/** Length of a version-1 wrapped data key, in bytes. */
export const WRAPPED_KEY_LENGTH = 1 + 65 + 16 + 16 + DATA_KEY_LENGTH;

/**
 * Wraps (encrypts) a data key to a recipient's secp256k1 public key with ECIES.
 * @param dataKey the 32-byte data key
 * @param recipientPublicKey 33- or 65-byte public key of whoever may unwrap it
 * @param role who the recipient is, used in error messages
 * @returns the 130-byte version-1 wrapped key
 * @throws EnvelopeError `INVALID_DATA_KEY`, `INVALID_PUBLIC_KEY`, `ECIES_CONFIG_CHANGED`
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
 * @throws EnvelopeError `MALFORMED_WRAPPED_KEY`, `UNSUPPORTED_WRAPPED_KEY_VERSION`, `INVALID_PRIVATE_KEY`, `UNWRAP_FAILED`, `ECIES_CONFIG_CHANGED`
 */
export function unwrapDataKey(wrapped: BytesInput, privateKey: PrivateKeyInput): Uint8Array {
  const bytes = decodeWrappedKey(wrapped);
  return unwrapWith(bytes, parsePrivateKey(privateKey, "private key"));
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
 * @returns `(wrapped) => wrappedToBuyer`, throwing as {@link rewrapDataKey}
 * @throws EnvelopeError `INVALID_PUBLIC_KEY`, `INVALID_PRIVATE_KEY`
 */
export function createRewrapper(
  custodianPrivateKey: PrivateKeyInput,
  buyerPublicKey: PublicKeyInput,
): (wrapped: BytesInput) => Uint8Array {
  const buyer = parsePublicKey(buyerPublicKey, "buyer public key");
  const custodian = parsePrivateKey(custodianPrivateKey, "custodian private key");
  return (wrapped) => {
    const dataKey = unwrapWith(decodeWrappedKey(wrapped), custodian);
    try {
      return wrapTo(dataKey, buyer);
    } finally {
      dataKey.fill(0);
    }
  };
}

/**
 * Wraps a data key to an already validated public key.
 * @param dataKey the 32-byte data key
 * @param recipient the recipient's public key
 * @returns the 130-byte version-1 wrapped key
 * @throws EnvelopeError `INVALID_DATA_KEY`, `ECIES_CONFIG_CHANGED`
 */
export function wrapTo(dataKey: Uint8Array, recipient: PublicKey): Uint8Array {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_LENGTH) {
    throw new EnvelopeError(
      "INVALID_DATA_KEY",
      `The data key must be a ${DATA_KEY_LENGTH}-byte Uint8Array; got ${describeShape(dataKey)}.`,
    );
  }
  assertEciesDefaults();
  // The uncompressed form is parsed again by eciesjs without a square root.
  const payload = encrypt(recipient.toBytes(false), dataKey);
  const wrapped = new Uint8Array(WRAPPED_KEY_LENGTH);
  wrapped[0] = WRAPPED_KEY_VERSION;
  wrapped.set(payload, 1);
  return wrapped;
}

/**
 * Unwraps a well-formed wrapped key with an already validated private key.
 * @param bytes the wrapped key, as returned by {@link decodeWrappedKey}
 * @param secretKey the recipient's private key
 * @returns the 32-byte data key
 * @throws EnvelopeError `UNWRAP_FAILED`, `ECIES_CONFIG_CHANGED`
 */
export function unwrapWith(bytes: Uint8Array, secretKey: PrivateKey): Uint8Array {
  assertEciesDefaults();
  let dataKey: Uint8Array;
  try {
    const decrypted = decrypt(secretKey.secret, bytes.subarray(1));
    // eciesjs returns a Buffer from Node's shared pool: take a private copy and wipe the pooled one.
    dataKey = Uint8Array.from(decrypted);
    decrypted.fill(0);
  } catch (cause) {
    throw new EnvelopeError(
      "UNWRAP_FAILED",
      `Could not unwrap the data key with the private key whose public key is ${toHex(secretKey.publicKey.toBytes(true))}: the key was wrapped to another public key, or the wrapped key was altered. Use the private key matching the public key the data key was wrapped to.`,
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

/**
 * eciesjs reads a process-wide mutable configuration. Wrapped keys of version 1 are defined by its
 * defaults; refuse to run if anything in the process has changed them, rather than silently
 * producing keys nobody else can unwrap.
 */
function assertEciesDefaults(): void {
  const config = ECIES_CONFIG;
  const changed: string[] = [];
  if (config.ellipticCurve !== "secp256k1") changed.push(`ellipticCurve=${config.ellipticCurve}`);
  if (config.isEphemeralKeyCompressed) changed.push("isEphemeralKeyCompressed=true");
  if (config.isHkdfKeyCompressed) changed.push("isHkdfKeyCompressed=true");
  if (config.symmetricAlgorithm !== "aes-256-gcm") changed.push(`symmetricAlgorithm=${config.symmetricAlgorithm}`);
  if (config.symmetricNonceLength !== 16) changed.push(`symmetricNonceLength=${config.symmetricNonceLength}`);
  if (changed.length > 0) {
    throw new EnvelopeError(
      "ECIES_CONFIG_CHANGED",
      `eciesjs's global ECIES_CONFIG was modified (${changed.join(", ")}); DataCoop wrapped keys require its defaults. Remove the code that changes ECIES_CONFIG in this process.`,
    );
  }
}
