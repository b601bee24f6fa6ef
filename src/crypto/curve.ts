import { createRequire } from "node:module";
import { secp256k1 as noble } from "@noble/curves/secp256k1";
import type * as Native from "secp256k1";

/** Which implementation does the secp256k1 arithmetic. */
export type CurveName = "libsecp256k1" | "noble";

/**
 * The few secp256k1 operations ECIES needs. Two implementations give the same bytes: libsecp256k1 through
 * the native `secp256k1` package (prebuilt binaries; about 0.06 ms per point multiplication here) and
 * `@noble/curves` in plain JavaScript (portable, about 1-5 ms).
 */
export interface Curve {
  readonly name: CurveName;
  /** Whether 32 bytes are a valid secret key (1 ≤ k < n). */
  isPrivateKey(secret: Uint8Array): boolean;
  /** The public key of a valid secret key: 33 bytes compressed or 65 uncompressed. */
  publicKeyOf(secret: Uint8Array, compressed: boolean): Uint8Array;
  /** Decodes a 33- or 65-byte point, checks it is on the curve and re-encodes it; `undefined` if it is not a point. */
  convert(publicKey: Uint8Array, compressed: boolean): Uint8Array | undefined;
  /** `secret · point`, uncompressed (65 bytes): the ECDH shared point that eciesjs feeds to its KDF. */
  multiply(publicKey: Uint8Array, secret: Uint8Array): Uint8Array;
}

const nobleImpl: Curve = {
  name: "noble",
  isPrivateKey: (secret) => secret.length === 32 && noble.utils.isValidPrivateKey(secret),
  publicKeyOf: (secret, compressed) => noble.getPublicKey(secret, compressed),
  convert: (publicKey, compressed) => {
    try {
      return noble.ProjectivePoint.fromHex(publicKey).toRawBytes(compressed);
    } catch {
      return undefined;
    }
  },
  multiply: (publicKey, secret) => noble.getSharedSecret(secret, publicKey, false),
};

function nativeImpl(lib: typeof Native): Curve {
  return {
    name: "libsecp256k1",
    isPrivateKey: (secret) => secret.length === 32 && lib.privateKeyVerify(secret),
    publicKeyOf: (secret, compressed) => lib.publicKeyCreate(secret, compressed),
    convert: (publicKey, compressed) => {
      try {
        return lib.publicKeyConvert(publicKey, compressed);
      } catch {
        return undefined;
      }
    },
    // Q = k·P is exactly what `publicKeyTweakMul` computes; unlike `ecdh` it returns the full point.
    multiply: (publicKey, secret) => lib.publicKeyTweakMul(publicKey, secret, false),
  };
}

let native: Curve | null | undefined;
let chosen: Curve | undefined;

/**
 * libsecp256k1, if its native binding loads on this platform. `secp256k1/bindings` is required directly:
 * the package's main entry silently falls back to a slow pure-JS `elliptic` build, which we never want.
 * @returns the native curve, or `undefined` where no prebuilt binary fits
 */
export function nativeCurve(): Curve | undefined {
  if (native === undefined) {
    try {
      native = nativeImpl(createRequire(__filename)("secp256k1/bindings") as typeof Native);
    } catch {
      native = null;
    }
  }
  return native ?? undefined;
}

/** `@noble/curves`, the portable fallback. */
export function nobleCurve(): Curve {
  return nobleImpl;
}

/**
 * The implementation this process uses: libsecp256k1 where it loads, else noble. Set
 * `DATACOOP_CURVE=noble` to force the fallback (e.g. to test it). Chosen once, on first use.
 */
export function defaultCurve(): Curve {
  if (chosen === undefined) {
    chosen = (process.env.DATACOOP_CURVE === "noble" ? undefined : nativeCurve()) ?? nobleImpl;
  }
  return chosen;
}
