import { expect } from "chai";
import * as ethers from "ethers";
import fc from "fast-check";

import { type AbiParameter, decodeAbiParameters, encodeAbiParameters } from "../../src/codec/abi";
import { getAddress, isAddress } from "../../src/codec/address";
import { CodecError, isHex, toHex } from "../../src/codec/hex";
import { keccak256 } from "../../src/codec/keccak";
import { sourceAccountHash } from "../../src/export/source-hash";
import {
  ATTESTATION_TYPES,
  attestationDigest,
  attestationDomain,
  orderSignatures,
  recoverAttestationSigner,
} from "../../src/protocol/attestation";

/** The core's codec is checked against ethers, which the core no longer imports. */
const coder = ethers.AbiCoder.defaultAbiCoder();
const RUNS = { numRuns: 150 };
const hexBytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map(ethers.hexlify);
const address = hexBytes(20, 20);
const bytes32 = hexBytes(32, 32);

describe("package: codec (equivalence with ethers)", function () {
  it("keccak256 and EIP-55 checksums equal ethers'", function () {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(keccak256(bytes)).to.equal(ethers.keccak256(bytes));
        expect(keccak256(ethers.hexlify(bytes))).to.equal(ethers.keccak256(bytes));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(address, (a) => {
        expect(getAddress(a)).to.equal(ethers.getAddress(a));
        expect(getAddress(a.toUpperCase().replace("0X", "0x"))).to.equal(ethers.getAddress(a));
      }),
      RUNS,
    );
  });

  it("rejects a mixed-case address with a wrong checksum, and what is not an address", function () {
    const good = ethers.getAddress("0x52908400098527886e0f7030069857d2e4169ee7");
    const typo = good.replace("E", "e");
    expect(() => ethers.getAddress(typo)).to.throw();
    expect(() => getAddress(typo)).to.throw(CodecError, /checksum/);
    for (const bad of ["0x1234", "52908400098527886e0f7030069857d2e4169ee7", 42, undefined]) {
      expect(isAddress(bad)).to.equal(false);
    }
    expect(isHex("0xabc")).to.equal(false);
    expect(() => toHex("0xzz")).to.throw(CodecError);
  });

  const TYPES: readonly AbiParameter[] = [
    { type: "address" },
    { type: "bool" },
    { type: "uint8" },
    { type: "uint256" },
    { type: "int256" },
    { type: "int16" },
    { type: "bytes32" },
    { type: "bytes4" },
    { type: "bytes" },
    { type: "string" },
    { type: "uint64[]" },
    { type: "string[2]" },
    { type: "tuple", components: [{ type: "bool" }, { type: "bytes" }, { type: "uint48" }] },
    { type: "tuple[]", components: [{ type: "address" }, { type: "string" }] },
  ];
  const value = fc.tuple(
    address,
    fc.boolean(),
    fc.integer({ min: 0, max: 255 }),
    fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
    fc.bigInt({ min: -(2n ** 255n), max: 2n ** 255n - 1n }),
    fc.integer({ min: -(2 ** 15), max: 2 ** 15 - 1 }),
    bytes32,
    hexBytes(4, 4),
    hexBytes(0, 70),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { maxLength: 4 }),
    fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 3 })),
    fc.tuple(fc.boolean(), hexBytes(0, 40), fc.bigInt({ min: 0n, max: 2n ** 48n - 1n })),
    fc.array(fc.tuple(address, fc.string({ maxLength: 33 })), { maxLength: 3 }),
  );
  const ethersTypes = TYPES.map((t) => ethers.ParamType.from(t));

  it("encodes and decodes every type the errors and hashes use byte-for-byte as ethers' AbiCoder", function () {
    fc.assert(
      fc.property(value, (values) => {
        const encoded = encodeAbiParameters(TYPES, values);
        expect(encoded).to.equal(coder.encode(ethersTypes, values));
        const decoded = decodeAbiParameters(TYPES, encoded);
        const expected = coder.decode(ethersTypes, encoded).toArray(true);
        expect(decoded).to.deep.equal(expected);
      }),
      RUNS,
    );
  });

  it("refuses values that do not fit and data that is short or points outside itself", function () {
    expect(() => encodeAbiParameters([{ type: "uint8" }], [256])).to.throw(CodecError, /uint8/);
    expect(() => encodeAbiParameters([{ type: "int8" }], [-129])).to.throw(CodecError);
    expect(() => encodeAbiParameters([{ type: "bytes32" }], ["0x12"])).to.throw(CodecError);
    expect(() => decodeAbiParameters([{ type: "uint256" }], "0x12")).to.throw(CodecError, /too short/);
    expect(() => decodeAbiParameters([{ type: "uint8" }], coder.encode(["uint16"], [256]))).to.throw(CodecError);
    expect(() => decodeAbiParameters([{ type: "address" }], coder.encode(["uint256"], [2n ** 160n]))).to.throw();
    expect(() => decodeAbiParameters([{ type: "bool" }], coder.encode(["uint256"], [2]))).to.throw(CodecError);
    const badOffset = coder.encode(["uint256"], [2n ** 64n]);
    expect(() => decodeAbiParameters([{ type: "string" }], badOffset)).to.throw(CodecError, /out of bounds/);
    const hugeArray = ethers.concat([coder.encode(["uint256"], [32]), coder.encode(["uint256"], [2n ** 40n])]);
    expect(() => decodeAbiParameters([{ type: "uint8[]" }], hugeArray)).to.throw(CodecError, /out of bounds/);
  });

  it("hashes the attestation and the source account as ethers does", function () {
    const attestation = fc.record({
      contributor: address,
      contentHash: bytes32,
      sourceHash: bytes32,
      units: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      quality: fc.integer({ min: 0, max: 10_000 }),
      scorerVersion: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      deadline: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    });
    fc.assert(
      fc.property(attestation, fc.bigInt({ min: 1n, max: 2n ** 64n }), address, (a, chainId, registry) => {
        const domain = attestationDomain(chainId, registry);
        const types = { Attestation: [...ATTESTATION_TYPES.Attestation] };
        expect(attestationDigest(domain, a)).to.equal(ethers.TypedDataEncoder.hash(domain, types, a));
      }),
      RUNS,
    );
    const partial = { name: "x", chainId: 5 };
    const types = { Attestation: [...ATTESTATION_TYPES.Attestation] };
    const a = {
      contributor: ethers.ZeroAddress,
      contentHash: ethers.ZeroHash,
      sourceHash: ethers.ZeroHash,
      units: 1,
      quality: 2,
      scorerVersion: 3,
      deadline: 4,
    };
    expect(attestationDigest(partial, a)).to.equal(ethers.TypedDataEncoder.hash(partial, types, a));
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), bytes32, (userId, salt) => {
        const expected = ethers.keccak256(coder.encode(["bytes32", "string"], [salt, userId]));
        expect(sourceAccountHash(userId, salt)).to.equal(expected);
      }),
      RUNS,
    );
  });

  it("recovers an attestation's signer as ethers' verifyTypedData does, and refuses what the registry refuses", async function () {
    const wallets = Array.from({ length: 4 }, (_, i) => new ethers.Wallet(ethers.id(`validator ${i}`)));
    const domain = attestationDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    const types = { Attestation: [...ATTESTATION_TYPES.Attestation] };
    const a = {
      contributor: wallets[0]!.address,
      contentHash: ethers.id("content"),
      sourceHash: ethers.id("source"),
      units: 120,
      quality: 7_500,
      scorerVersion: 1,
      deadline: 1_900_000_000n,
    };
    for (const [i, wallet] of wallets.entries()) {
      const message = { ...a, units: a.units + i };
      const signature = await wallet.signTypedData(domain, types, message);
      expect(recoverAttestationSigner(domain, message, signature)).to.equal(wallet.address);
      expect(recoverAttestationSigner(domain, message, signature)).to.equal(
        ethers.verifyTypedData(domain, types, message, signature),
      );
      // Another attestation (one field changed) recovers to someone else.
      expect(recoverAttestationSigner(domain, { ...message, units: message.units + 1 }, signature)).not.to.equal(
        wallet.address,
      );
      // The high-s twin (s → n − s, v flipped) recovers to the same key, but OpenZeppelin's ECDSA refuses it.
      const sig = ethers.Signature.from(signature);
      const n = ethers.toBigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
      const twin = ethers.concat([
        sig.r,
        ethers.toBeHex(n - ethers.toBigInt(sig.s), 32),
        sig.v === 27 ? "0x1c" : "0x1b",
      ]);
      expect(() => recoverAttestationSigner(domain, message, twin)).to.throw(CodecError, /lower half/);
      const v01 = ethers.concat([sig.r, sig.s, sig.v === 27 ? "0x00" : "0x01"]);
      expect(() => recoverAttestationSigner(domain, message, v01)).to.throw(CodecError, /v must be 27 or 28/);
    }
    expect(() => recoverAttestationSigner(domain, a, "0x1234")).to.throw(CodecError, /65 bytes/);
    const zeroR = ethers.concat([ethers.ZeroHash, ethers.id("s").replace(/^0x[89a-f]/, "0x1"), "0x1b"]);
    expect(() => recoverAttestationSigner(domain, a, zeroR)).to.throw(CodecError, /recovers to no public key/);
  });

  it("orders signatures by ascending validator address whatever their case", function () {
    const low = { validator: "0x00000000000000000000000000000000000000ff", signature: "0xAA" };
    const high = { validator: ethers.getAddress("0xf000000000000000000000000000000000000000"), signature: "0xbb" };
    expect(orderSignatures([high, low])).to.deep.equal(["0xaa", "0xbb"]);
  });
});
