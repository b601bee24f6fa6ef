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

function checkAlgorithm(algorithm: string) {
  if (algorithm !== "aes-256-gcm") throw new Error(`${algorithm} is not available in the browser`);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

export function createCipheriv(
  algorithm: string,
  key: Uint8Array,
  nonce: Uint8Array,
  _options?: { authTagLength?: number },
) {
  checkAlgorithm(algorithm);
  const parts: Uint8Array[] = [];
  let aad: Uint8Array | undefined;
  let tag: Uint8Array | undefined;
  return {
    setAAD(data: Uint8Array) {
      aad = data;
    },
    update(data: Uint8Array) {
      parts.push(data);
      return Buffer.alloc(0);
    },
    final() {
      const sealed = gcm(key, nonce, aad).encrypt(concat(parts));
      tag = sealed.subarray(sealed.length - 16);
      return Buffer.from(sealed.subarray(0, sealed.length - 16));
    },
    getAuthTag() {
      if (tag === undefined) throw new Error("getAuthTag before final");
      return Buffer.from(tag);
    },
  };
}

export function createDecipheriv(
  algorithm: string,
  key: Uint8Array,
  nonce: Uint8Array,
  _options?: { authTagLength?: number },
) {
  checkAlgorithm(algorithm);
  const parts: Uint8Array[] = [];
  let aad: Uint8Array | undefined;
  let tag: Uint8Array | undefined;
  return {
    setAAD(data: Uint8Array) {
      aad = data;
    },
    setAuthTag(data: Uint8Array) {
      tag = data;
    },
    update(data: Uint8Array) {
      parts.push(data);
      return Buffer.alloc(0);
    },
    final() {
      if (tag === undefined) throw new Error("setAuthTag before final");
      return Buffer.from(gcm(key, nonce, aad).decrypt(concat([...parts, tag])));
    },
  };
}
