/**
 * `node:crypto` in the browser, for exactly what the envelope code uses: AES-256-GCM through Node's
 * cipher API (synchronous, so `@noble/ciphers` rather than WebCrypto, which is asynchronous only), HKDF
 * and secure random bytes. Each cipher buffers its input: contributions are encrypted in one piece.
 */
import { gcm } from "@noble/ciphers/aes";
import { hkdf } from "@noble/hashes/hkdf";
import { sha256 } from "@noble/hashes/sha256";
import { Buffer } from "buffer";

export function getRandomValues<T extends Uint8Array>(array: T): T {
  // WebCrypto fills at most 65,536 bytes per call.
  for (let at = 0; at < array.length; at += 65536) globalThis.crypto.getRandomValues(array.subarray(at, at + 65536));
  return array;
}

export function randomBytes(length: number): Buffer {
  return Buffer.from(getRandomValues(new Uint8Array(length)));
}

export function hkdfSync(
  digest: string,
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): ArrayBuffer {
  if (digest !== "sha256") throw new Error(`hkdf with ${digest} is not available in the browser`);
  const out = hkdf(sha256, ikm, salt, info, length);
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
}

/** Node's streaming GCM API over one-shot noble GCM: input is buffered and processed in `final`. */
function bufferedGcm(algorithm: string, key: Uint8Array, nonce: Uint8Array) {
  if (algorithm !== "aes-256-gcm") throw new Error(`${algorithm} is not available in the browser`);
  const parts: Uint8Array[] = [];
  let aad: Uint8Array | undefined;
  return {
    setAAD(data: Uint8Array) {
      aad = data;
    },
    update(data: Uint8Array) {
      parts.push(data);
      return Buffer.alloc(0);
    },
    cipher: () => gcm(key, nonce, aad),
    input: () => Buffer.concat(parts),
  };
}

export function createCipheriv(algorithm: string, key: Uint8Array, nonce: Uint8Array) {
  const base = bufferedGcm(algorithm, key, nonce);
  let tag: Uint8Array | undefined;
  return {
    setAAD: base.setAAD,
    update: base.update,
    final() {
      const sealed = base.cipher().encrypt(base.input());
      tag = sealed.subarray(sealed.length - 16);
      return Buffer.from(sealed.subarray(0, sealed.length - 16));
    },
    getAuthTag() {
      if (tag === undefined) throw new Error("getAuthTag before final");
      return Buffer.from(tag);
    },
  };
}

export function createDecipheriv(algorithm: string, key: Uint8Array, nonce: Uint8Array) {
  const base = bufferedGcm(algorithm, key, nonce);
  let tag: Uint8Array | undefined;
  return {
    setAAD: base.setAAD,
    update: base.update,
    setAuthTag(data: Uint8Array) {
      tag = data;
    },
    final() {
      if (tag === undefined) throw new Error("setAuthTag before final");
      return Buffer.from(base.cipher().decrypt(Buffer.concat([base.input(), tag])));
    },
  };
}
