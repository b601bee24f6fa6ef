import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

import type { Curve } from "./curve";

/*
 * ECIES exactly as eciesjs 0.4 does it in its default configuration (read from its source: config.js,
 * keys/PrivateKey.js `encapsulate`, utils/hash.js, utils/symmetric.js), so its payloads and ours are
 * interchangeable (a test proves it both ways):
 *
 *   ephemeral public key, uncompressed (65) || nonce (16) || GCM tag (16) || ciphertext
 *   key = HKDF-SHA256(ikm = ephemeral point (65, uncompressed) || shared point (65, uncompressed),
 *                     no salt, no info, 32 bytes)
 *   AES-256-GCM with a 16-byte random nonce and no additional data.
 *
 * Two scalar multiplications to encrypt (ephemeral key, shared point), one to decrypt; eciesjs's key
 * objects recompute and re-encode points several times more, which is where its time goes.
 */

/** Length of the uncompressed ephemeral public key opening a payload. */
export const EPHEMERAL_KEY_LENGTH = 65;
/** eciesjs's default AES-256-GCM nonce length (16, not the usual 12). */
export const ECIES_NONCE_LENGTH = 16;
/** GCM tag length. */
export const ECIES_TAG_LENGTH = 16;
/** Bytes an ECIES payload adds to its plaintext. */
export const ECIES_OVERHEAD = EPHEMERAL_KEY_LENGTH + ECIES_NONCE_LENGTH + ECIES_TAG_LENGTH;

const NO_BYTES = new Uint8Array(0);

/**
 * Encrypts to a public key.
 * @param curve the implementation to use
 * @param recipient the recipient's validated public key (33 or 65 bytes)
 * @param plaintext what to encrypt
 * @returns the eciesjs-format payload
 */
export function eciesEncrypt(curve: Curve, recipient: Uint8Array, plaintext: Uint8Array): Uint8Array {
  let ephemeral: Uint8Array;
  do ephemeral = randomBytes(32);
  while (!curve.isPrivateKey(ephemeral));
  const ephemeralPublic = curve.publicKeyOf(ephemeral, false);
  const key = sharedKey(ephemeralPublic, curve.multiply(recipient, ephemeral));
  ephemeral.fill(0);
  const nonce = randomBytes(ECIES_NONCE_LENGTH);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: ECIES_TAG_LENGTH });
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  key.fill(0);
  const out = new Uint8Array(ECIES_OVERHEAD + body.length);
  out.set(ephemeralPublic, 0);
  out.set(nonce, EPHEMERAL_KEY_LENGTH);
  out.set(cipher.getAuthTag(), EPHEMERAL_KEY_LENGTH + ECIES_NONCE_LENGTH);
  out.set(body, ECIES_OVERHEAD);
  return out;
}

/**
 * Decrypts an eciesjs-format payload with the recipient's secret key.
 * @param curve the implementation to use
 * @param secret the recipient's validated 32-byte secret key
 * @param payload the payload
 * @returns the plaintext
 * @throws Error if the ephemeral key is not a point, or authentication fails (wrong key, altered bytes)
 */
export function eciesDecrypt(curve: Curve, secret: Uint8Array, payload: Uint8Array): Uint8Array {
  if (payload.length < ECIES_OVERHEAD || payload[0] !== 0x04) throw new Error("not an uncompressed-key ECIES payload");
  const ephemeralPublic = payload.subarray(0, EPHEMERAL_KEY_LENGTH);
  const key = sharedKey(ephemeralPublic, curve.multiply(ephemeralPublic, secret));
  const nonce = payload.subarray(EPHEMERAL_KEY_LENGTH, EPHEMERAL_KEY_LENGTH + ECIES_NONCE_LENGTH);
  const tag = payload.subarray(EPHEMERAL_KEY_LENGTH + ECIES_NONCE_LENGTH, ECIES_OVERHEAD);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: ECIES_TAG_LENGTH });
    decipher.setAuthTag(tag);
    const head = decipher.update(payload.subarray(ECIES_OVERHEAD));
    const last = decipher.final();
    // A private copy, so no secret stays in Node's shared Buffer pool; the pooled bytes are wiped.
    const plain = new Uint8Array(head.length + last.length);
    plain.set(head, 0);
    plain.set(last, head.length);
    head.fill(0);
    return plain;
  } finally {
    key.fill(0);
  }
}

function sharedKey(ephemeralPublic: Uint8Array, sharedPoint: Uint8Array): Uint8Array {
  const ikm = new Uint8Array(EPHEMERAL_KEY_LENGTH * 2);
  ikm.set(ephemeralPublic, 0);
  ikm.set(sharedPoint, EPHEMERAL_KEY_LENGTH);
  // An empty salt is HMAC-equivalent to RFC 5869's default of 32 zero bytes (keys are zero-padded).
  const key = new Uint8Array(hkdfSync("sha256", ikm, NO_BYTES, NO_BYTES, 32));
  ikm.fill(0);
  sharedPoint.fill(0);
  return key;
}
