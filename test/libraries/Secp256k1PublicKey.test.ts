import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { SigningKey, concat, id, toBeHex } from "ethers";
import { Secp256k1PublicKeyHarness__factory } from "../../typechain-types";
import { SECP256K1_P as P } from "../support/constants";

/** `base^exponent mod P`. */
function powMod(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = base % P;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

/** The smallest x ≥ 1 with no point on the curve (x³ + 7 is not a square mod P, Euler's criterion). */
function offCurveX(): bigint {
  for (let x = 1n; ; x++) if (powMod(x ** 3n + 7n, (P - 1n) / 2n) === P - 1n) return x;
}

const word = (n: bigint) => toBeHex(n, 32);

async function harness() {
  const [deployer] = await ethers.getSigners();
  return new Secp256k1PublicKeyHarness__factory(deployer).deploy();
}

describe("Secp256k1PublicKey", function () {
  it("accepts compressed (both parities) and uncompressed keys of real key pairs", async function () {
    const keys = await loadFixture(harness);
    const prefixes = new Set<string>();
    for (const label of ["a", "b", "c", "d", "e", "f"]) {
      const key = new SigningKey(id(label));
      prefixes.add(key.compressedPublicKey.slice(0, 4));
      expect(await keys.isValid(key.compressedPublicKey), `${label} compressed`).to.equal(true);
      expect(await keys.isValid(key.publicKey), `${label} uncompressed`).to.equal(true);
    }
    expect([...prefixes].sort()).to.deep.equal(["0x02", "0x03"]);
  });

  it("refuses any other length and any other prefix", async function () {
    const keys = await loadFixture(harness);
    const key = new SigningKey(id("k"));
    const x = `0x${key.publicKey.slice(4, 68)}`;
    for (const bad of [
      "0x",
      x, // 32 bytes
      concat([key.compressedPublicKey, "0x00"]), // 34 bytes
      `0x${key.publicKey.slice(4)}`, // 64 bytes
      concat([key.publicKey, "0x00"]), // 66 bytes
      concat(["0x04", x]), // 33 bytes, uncompressed prefix
      concat(["0x00", x]),
      concat(["0x05", x]),
      concat(["0x02", `0x${key.publicKey.slice(4)}`]), // 65 bytes, compressed prefix
      concat(["0x03", `0x${key.publicKey.slice(4)}`]),
    ]) {
      expect(await keys.isValid(bad), bad).to.equal(false);
    }
  });

  it("refuses coordinates not below the field prime, and an uncompressed point off the curve", async function () {
    const keys = await loadFixture(harness);
    const key = new SigningKey(id("k"));
    const x = BigInt(`0x${key.publicKey.slice(4, 68)}`);
    const y = BigInt(`0x${key.publicKey.slice(68)}`);
    for (const bad of [P, P + 1n, 2n ** 256n - 1n]) {
      expect(await keys.isValid(concat(["0x02", word(bad)])), `compressed x = ${bad}`).to.equal(false);
      expect(await keys.isValid(concat(["0x04", word(bad), word(y)])), `x = ${bad}`).to.equal(false);
      expect(await keys.isValid(concat(["0x04", word(x), word(bad)])), `y = ${bad}`).to.equal(false);
    }
    expect(await keys.isValid(concat(["0x04", word(x), word((y + 1n) % P)]))).to.equal(false);
    // The other root of y² is on the curve too (the point's negation).
    expect(await keys.isValid(concat(["0x04", word(x), word(P - y)]))).to.equal(true);
    expect(await keys.isValid(concat(["0x02", word(P - 1n)]))).to.equal(true);
  });

  it("checks a compressed key's range only: an x with no point on the curve passes (documented limit)", async function () {
    const keys = await loadFixture(harness);
    const x = offCurveX();
    expect(await keys.isValid(concat(["0x02", word(x)]))).to.equal(true);
    expect(await keys.isValid(concat(["0x03", word(x)]))).to.equal(true);
  });
});
