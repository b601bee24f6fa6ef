/**
 * The EIP-712 attestation validators sign, hashed here without a client library: the domain separator,
 * the struct hash and the digest are the registry's (`ContributionRegistry.attestationDigest`). The
 * domain and message types fit both ethers (`signTypedData(domain, types, value)`) and viem
 * (`signTypedData({ domain, types, primaryType, message })`); `@datacoop/protocol/viem` and `/ethers` add
 * the signing helpers of each. A signature is checked here too (`recoverAttestationSigner`), by the
 * registry's rule, so every off-chain check agrees with the on-chain one.
 */
import { secp256k1 } from "@noble/curves/secp256k1";

import { type AbiParameter, encodeAbiParameters } from "../codec/abi";
import { type Address, getAddress } from "../codec/address";
import { CodecError, type Hex, concatBytes, hexToBytes, isHex, toHex } from "../codec/hex";
import { keccak256, keccak256Utf8 } from "../codec/keccak";

/** The EIP-712 domain name and version of the ContributionRegistry. */
export const ATTESTATION_DOMAIN = { name: "DataCoop ContributionRegistry", version: "1" } as const;

/** The EIP-712 types validators sign (must match `ATTESTATION_TYPEHASH` in the registry). */
export const ATTESTATION_TYPES = {
  Attestation: [
    { name: "contributor", type: "address" },
    { name: "contentHash", type: "bytes32" },
    { name: "sourceHash", type: "bytes32" },
    { name: "units", type: "uint32" },
    { name: "quality", type: "uint16" },
    { name: "scorerVersion", type: "uint32" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

/** The EIP-712 primary type of an attestation. */
export const ATTESTATION_PRIMARY_TYPE = "Attestation";

/** What a validator attests about one contribution, as callers hold it (strings, bigint or number). */
export interface Attestation {
  contributor: string;
  contentHash: string;
  sourceHash: string;
  units: bigint | number;
  quality: bigint | number;
  scorerVersion: bigint | number;
  deadline: bigint | number;
}

/**
 * An attestation with each field in the type viem gives its Solidity type (`uint32` → number, `uint64` →
 * bigint, `address`/`bytes32` → `` `0x${string}` ``): assignable to viem's `signTypedData` message and to
 * the registry's `contribute` argument without a cast. See {@link toAttestationMessage}.
 */
export interface AttestationMessage {
  readonly contributor: Address;
  readonly contentHash: Hex;
  readonly sourceHash: Hex;
  readonly units: number;
  readonly quality: number;
  readonly scorerVersion: number;
  readonly deadline: bigint;
}

/** The EIP-712 domain that binds an attestation to one chain and one registry. */
export interface AttestationDomain {
  readonly name: string;
  readonly version: string;
  readonly chainId: bigint;
  readonly verifyingContract: Address;
}

/**
 * Any EIP-712 domain, as ethers (`TypedDataDomain`) or viem types it; absent and `null` fields are left
 * out of the separator, as EIP-712 says.
 */
export interface Eip712DomainInput {
  readonly name?: string | null;
  readonly version?: string | null;
  readonly chainId?: bigint | number | string | null;
  readonly verifyingContract?: string | null;
  readonly salt?: string | Uint8Array | null;
}

/** The domain that binds an attestation to one chain and one registry (the registry's address checksummed). */
export function attestationDomain(chainId: bigint | number, registry: string): AttestationDomain {
  return { ...ATTESTATION_DOMAIN, chainId: BigInt(chainId), verifyingContract: getAddress(registry) };
}

function uint(value: bigint | number, bits: number, field: string): bigint {
  const v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(bits)) throw new CodecError(`Attestation ${field} ${v} does not fit uint${bits}.`);
  return v;
}

function bytes32(value: string, field: string): Hex {
  if (!isHex(value, 32)) throw new CodecError(`Attestation ${field} must be 32 bytes of hex.`);
  return toHex(value);
}

/**
 * `attestation` checked against its Solidity types and converted to {@link AttestationMessage}.
 *
 * @throws CodecError when a field is not an address, 32 bytes, or an integer that fits its type
 */
export function toAttestationMessage(attestation: Attestation): AttestationMessage {
  return {
    contributor: getAddress(attestation.contributor),
    contentHash: bytes32(attestation.contentHash, "contentHash"),
    sourceHash: bytes32(attestation.sourceHash, "sourceHash"),
    units: Number(uint(attestation.units, 32, "units")),
    quality: Number(uint(attestation.quality, 16, "quality")),
    scorerVersion: Number(uint(attestation.scorerVersion, 32, "scorerVersion")),
    deadline: uint(attestation.deadline, 64, "deadline"),
  };
}

/** `Attestation(address contributor,...)`, from {@link ATTESTATION_TYPES} so there is one definition. */
const ATTESTATION_TYPE = `${ATTESTATION_PRIMARY_TYPE}(${ATTESTATION_TYPES.Attestation.map((f) => `${f.type} ${f.name}`).join(",")})`;
const BYTES32: AbiParameter = { type: "bytes32" };

/** The registry's `ATTESTATION_TYPEHASH`. */
export function attestationTypeHash(): Hex {
  return keccak256Utf8(ATTESTATION_TYPE);
}

/** EIP-712 `domainSeparator` of `domain` (its fields in EIP-712 order: name, version, chainId, verifyingContract, salt). */
export function attestationDomainSeparator(domain: Eip712DomainInput): Hex {
  const fields: { decl: string; type: string; value: unknown }[] = [];
  const present = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;
  if (present(domain.name)) fields.push({ decl: "string name", type: "bytes32", value: keccak256Utf8(domain.name) });
  if (present(domain.version))
    fields.push({ decl: "string version", type: "bytes32", value: keccak256Utf8(domain.version) });
  if (present(domain.chainId)) fields.push({ decl: "uint256 chainId", type: "uint256", value: BigInt(domain.chainId) });
  if (present(domain.verifyingContract)) {
    fields.push({ decl: "address verifyingContract", type: "address", value: domain.verifyingContract });
  }
  if (present(domain.salt)) fields.push({ decl: "bytes32 salt", type: "bytes32", value: domain.salt });
  const typeHash = keccak256Utf8(`EIP712Domain(${fields.map((f) => f.decl).join(",")})`);
  return keccak256(
    encodeAbiParameters([BYTES32, ...fields.map((f) => ({ type: f.type }))], [typeHash, ...fields.map((f) => f.value)]),
  );
}

/** EIP-712 `hashStruct(attestation)`. */
export function attestationStructHash(attestation: Attestation): Hex {
  const message = toAttestationMessage(attestation);
  const fields = ATTESTATION_TYPES.Attestation;
  return keccak256(
    encodeAbiParameters(
      [BYTES32, ...fields.map((f) => ({ type: f.type }))],
      [attestationTypeHash(), ...fields.map((f) => message[f.name])],
    ),
  );
}

/** The digest a validator signs; equal to `registry.attestationDigest(attestation)`. */
export function attestationDigest(domain: Eip712DomainInput, attestation: Attestation): Hex {
  const prefix = Uint8Array.of(0x19, 0x01);
  return keccak256(
    concatBytes(prefix, hexToBytes(attestationDomainSeparator(domain)), hexToBytes(attestationStructHash(attestation))),
  );
}

/**
 * The validator whose signature `signature` is over `attestation` in `domain`, recovered from the digest as
 * the registry does (OpenZeppelin's `ECDSA.tryRecover`): 65 bytes `r ‖ s ‖ v`, `v` 27 or 28, and `s` in the
 * lower half of the curve order, so a signature the registry would refuse is refused here too.
 *
 * @throws CodecError when the signature is malformed or recovers to no key
 */
export function recoverAttestationSigner(
  domain: Eip712DomainInput,
  attestation: Attestation,
  signature: string,
): Address {
  if (!isHex(signature, 65)) throw new CodecError("An attestation signature must be 65 bytes of hex (r, s, v).");
  const bytes = hexToBytes(signature);
  const v = bytes[64]!;
  if (v !== 27 && v !== 28) throw new CodecError(`An attestation signature's v must be 27 or 28, got ${v}.`);
  let publicKey: Uint8Array;
  try {
    const parsed = secp256k1.Signature.fromCompact(bytes.subarray(0, 64));
    // The registry refuses the high-s twin of a signature (malleability); so does this.
    if (parsed.hasHighS()) throw new CodecError("An attestation signature's s must be in the lower half of the order.");
    const digest = hexToBytes(attestationDigest(domain, attestation));
    publicKey = parsed
      .addRecoveryBit(v - 27)
      .recoverPublicKey(digest)
      .toRawBytes(false);
  } catch (cause) {
    if (cause instanceof CodecError) throw cause;
    throw new CodecError("The attestation signature recovers to no public key.", { cause });
  }
  // The address is the last 20 bytes of keccak256 of the uncompressed point without its 0x04 prefix.
  return getAddress(`0x${keccak256(publicKey.subarray(1)).slice(-40)}`);
}

/** One validator's signature over an attestation. */
export interface ValidatorSignature {
  validator: string;
  signature: string;
}

/** One field of an EIP-712 type, as ethers' `TypedDataField`. */
export interface TypedDataField {
  readonly name: string;
  readonly type: string;
}

/**
 * A signer with ethers' shape (an ethers v6 `Signer` or `Wallet` fits). The core imports no client
 * library; with viem use `signAttestation` from `@datacoop/protocol/viem`.
 */
export interface TypedDataSigner {
  getAddress(): Promise<string>;
  signTypedData(
    domain: Eip712DomainInput,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** Signs `attestation` as `validator` (EIP-712 `eth_signTypedData_v4`) with an ethers-shaped signer. */
export async function signAttestation(
  validator: TypedDataSigner,
  domain: Eip712DomainInput,
  attestation: Attestation,
): Promise<{ validator: Address; signature: Hex }> {
  const signature = await validator.signTypedData(
    domain,
    { Attestation: [...ATTESTATION_TYPES.Attestation] },
    { ...attestation },
  );
  return { validator: getAddress(await validator.getAddress()), signature: toHex(signature) };
}

/**
 * Orders signatures as the registry requires: by ascending validator address (which is how it checks
 * that validators are distinct without storage). Returns the signature bytes only, as lowercase hex.
 */
export function orderSignatures(signatures: readonly ValidatorSignature[]): Hex[] {
  return [...signatures]
    .sort((a, b) => {
      const x = BigInt(getAddress(a.validator));
      const y = BigInt(getAddress(b.validator));
      return x < y ? -1 : x > y ? 1 : 0;
    })
    .map((s) => toHex(s.signature));
}
