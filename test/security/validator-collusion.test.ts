import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  HDNodeWallet,
  Signature,
  ZeroAddress,
  concat,
  getBytes,
  hexlify,
  recoverAddress,
  toBeHex,
  type Signer,
} from "ethers";
import { attest } from "../support/contribute";
import {
  attestationDigest,
  attestationDomain,
  signAttestation,
  type Attestation,
} from "../../src/protocol/attestation";
import { systemFixture, timelockSigner } from "../support/fixtures";
import { SECP256K1_P as P } from "../support/constants";

/**
 * Validators colluding below the threshold. With k = 2 of 3, one validator (possibly helped by the contributor)
 * tries to pass for two: the same signature twice, a second valid signature with a fresh nonce, the malleable twin,
 * re-encodings, a signature by a key that is no validator, a colleague's signature over other numbers, a revoked
 * colleague. Each attempt must fail and leave the registry, the token and the ledger as they were.
 */

// --- secp256k1, just enough to sign with a chosen nonce (ethers signs deterministically, RFC 6979) ---------------
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const G = {
  x: 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
  y: 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n,
};
type Point = { x: bigint; y: bigint } | null;

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  return mod(s0, m);
}
function add(a: Point, b: Point): Point {
  if (!a) return b;
  if (!b) return a;
  if (a.x === b.x && mod(a.y + b.y, P) === 0n) return null;
  const slope =
    a.x === b.x ? mod(3n * a.x * a.x * inverse(2n * a.y, P), P) : mod((b.y - a.y) * inverse(b.x - a.x, P), P);
  const x = mod(slope * slope - a.x - b.x, P);
  return { x, y: mod(slope * (a.x - x) - a.y, P) };
}
function multiply(k: bigint, point: Point): Point {
  let result: Point = null;
  let addend = point;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}

/** An ECDSA signature of `digest` by `privateKey` with nonce `k`, low-s, as 65 bytes `r || s || v`. */
function signWithNonce(digest: string, privateKey: string, k: bigint): string {
  const z = BigInt(digest);
  const d = BigInt(privateKey);
  const R = multiply(k, G)!;
  const r = mod(R.x, N);
  let s = mod(inverse(k, N) * (z + r * d), N);
  let parity = Number(R.y & 1n);
  if (s > N / 2n) {
    s = N - s;
    parity ^= 1;
  }
  return concat([toBeHex(r, 32), toBeHex(s, 32), toBeHex(27 + parity, 1)]);
}

/** The private key of a local (Hardhat network) account. */
function privateKeyOf(address: string): string {
  const accounts = hre.config.networks.hardhat.accounts;
  if (Array.isArray(accounts)) {
    const found = accounts.find((a) => new ethers.Wallet(a.privateKey).address === address);
    if (found) return found.privateKey;
  } else {
    for (let i = accounts.initialIndex; i < accounts.initialIndex + accounts.count; i++) {
      const wallet = HDNodeWallet.fromPhrase(accounts.mnemonic, accounts.passphrase, `${accounts.path}/${i}`);
      if (wallet.address === address) return wallet.privateKey;
    }
  }
  throw new Error(`no local private key for ${address}`);
}

/** The system with an attestation threshold of 2 (of 3 validators). */
async function twoOfThreeFixture() {
  const system = await systemFixture();
  await system.registry.connect(await timelockSigner(system)).setAttestationThreshold(2);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = attestationDomain(chainId, await system.registry.getAddress());
  return { ...system, domain };
}

type System = Awaited<ReturnType<typeof twoOfThreeFixture>>;

async function sign(system: System, validator: Signer, attestation: Attestation): Promise<string> {
  return (await signAttestation(validator, system.domain, attestation)).signature;
}

/** Asserts the attempt left nothing behind: no contribution, no reward, no weight, no source binding. */
async function expectUntouched(system: System, attestation: Attestation): Promise<void> {
  const { registry, token, distributor, alice } = system;
  expect((await registry.contribution(attestation.contentHash)).status).to.equal(0n);
  expect(await registry.source(attestation.sourceHash)).to.deep.equal([ZeroAddress, ethers.ZeroHash, 0n]);
  expect(await token.totalSupply()).to.equal(0n);
  for (let p = 0; p < 6; p++) expect(await distributor.totalWeight(p)).to.equal(0n);
  for (let p = 0; p < 6; p++) expect(await distributor.pendingWeightOf(alice, p)).to.equal(0n);
}

describe("Security: validators colluding below the threshold (2 of 3)", function () {
  it("two distinct validators register the contribution (control)", async function () {
    const system = await loadFixture(twoOfThreeFixture);
    const { attestation, signatures } = await attest(system, system.alice, {
      signers: [system.validators[0], system.validators[1]],
    });
    await expect(system.registry.connect(system.alice).contribute(attestation, signatures, 1, "")).to.emit(
      system.registry,
      "Contributed",
    );
  });

  it("one validator's signature submitted twice counts once: refused", async function () {
    const system = await loadFixture(twoOfThreeFixture);
    const [v0] = system.validators;
    const { attestation } = await attest(system, system.alice, { signers: [v0] });
    const signature = await sign(system, v0, attestation);
    await expect(system.registry.connect(system.alice).contribute(attestation, [signature, signature], 1, ""))
      .to.be.revertedWithCustomError(system.registry, "RegistryDuplicateValidator")
      .withArgs(v0.address);
    await expectUntouched(system, attestation);
  });

  it("one validator signing twice with a fresh nonce (two valid, distinct signatures) counts once: refused", async function () {
    const system = await loadFixture(twoOfThreeFixture);
    const [v0] = system.validators;
    const { attestation } = await attest(system, system.alice, { signers: [v0] });
    const digest = attestationDigest(system.domain, attestation);
    const key = privateKeyOf(v0.address);
    const first = await sign(system, v0, attestation);
    const second = signWithNonce(digest, key, 0x1234_5678_9abc_def0_1234_5678_9abc_def0n);
    expect(second).to.not.equal(first);
    expect([recoverAddress(digest, first), recoverAddress(digest, second)]).to.deep.equal([v0.address, v0.address]);
    await expect(system.registry.connect(system.alice).contribute(attestation, [first, second], 1, ""))
      .to.be.revertedWithCustomError(system.registry, "RegistryDuplicateValidator")
      .withArgs(v0.address);
    await expectUntouched(system, attestation);
  });

  it("the malleable twin of a validator's signature (s → n − s) is no signature at all", async function () {
    const system = await loadFixture(twoOfThreeFixture);
    const [v0] = system.validators;
    const { attestation } = await attest(system, system.alice, { signers: [v0] });
    const signature = Signature.from(await sign(system, v0, attestation));
    const twin = concat([signature.r, toBeHex(N - BigInt(signature.s), 32), toBeHex(signature.v === 27 ? 28 : 27, 1)]);
    // ecrecover alone would accept the twin; OpenZeppelin's ECDSA refuses high-s values.
    expect(recoverAddress(attestationDigest(system.domain, attestation), signature)).to.equal(v0.address);
    await expect(system.registry.connect(system.alice).contribute(attestation, [signature.serialized, twin], 1, ""))
      .to.be.revertedWithCustomError(system.registry, "RegistryUnknownValidator")
      .withArgs(ZeroAddress);
    await expectUntouched(system, attestation);
  });

  it("re-encodings of one validator's signature (v as 0/1, 64-byte compact, a trailing byte) are refused", async function () {
    const system = await loadFixture(twoOfThreeFixture);
    const [v0] = system.validators;
    const { attestation } = await attest(system, system.alice, { signers: [v0] });
    const signature = Signature.from(await sign(system, v0, attestation));
    const bytes = getBytes(signature.serialized);
    const rawV = concat([signature.r, signature.s, toBeHex(signature.yParity, 1)]);
    for (const variant of [rawV, signature.compactSerialized, hexlify(concat([bytes, "0x00"]))]) {
      await expect(
        system.registry.connect(system.alice).contribute(attestation, [signature.serialized, variant], 1, ""),
      )
        .to.be.revertedWithCustomError(system.registry, "RegistryUnknownValidator")
        .withArgs(ZeroAddress);
    }
    await expectUntouched(system, attestation);
  });

  it("a second signature forged with a key that is no validator is refused", async function () {
    const system = await loadFixture(twoOfThreeFixture);
    const [v0] = system.validators;
    const forger = ethers.Wallet.createRandom();
    const { attestation } = await attest(system, system.alice, { signers: [v0] });
    const signatures = [await sign(system, v0, attestation), await sign(system, forger, attestation)];
    await expect(system.registry.connect(system.alice).contribute(attestation, signatures, 1, ""))
      .to.be.revertedWithCustomError(system.registry, "RegistryUnknownValidator")
      .withArgs(forger.address);
    await expectUntouched(system, attestation);
  });

  it("an honest validator's signature over the real numbers cannot back an inflated attestation", async function () {
    const system = await loadFixture(twoOfThreeFixture);
    const [colluder, honest] = system.validators;
    const { attestation: real } = await attest(system, system.alice, { units: 1_000, signers: [honest] });
    const inflated = { ...real, units: 100_000 };
    const honestSignature = await sign(system, honest, real);
    const signatures = [await sign(system, colluder, inflated), honestSignature];
    // Over the inflated digest, the honest signature recovers to an address nobody controls.
    const recovered = recoverAddress(attestationDigest(system.domain, inflated), honestSignature);
    expect(recovered).to.not.equal(honest.address);
    await expect(system.registry.connect(system.alice).contribute(inflated, signatures, 1, ""))
      .to.be.revertedWithCustomError(system.registry, "RegistryUnknownValidator")
      .withArgs(recovered);
    await expectUntouched(system, inflated);
  });

  it("a validator governance revoked no longer counts toward the threshold", async function () {
    const system = await loadFixture(twoOfThreeFixture);
    const [v0, v1] = system.validators;
    await system.registry.connect(await timelockSigner(system)).revokeRole(await system.registry.VALIDATOR_ROLE(), v1);
    const { attestation, signatures } = await attest(system, system.alice, { signers: [v0, v1] });
    await expect(system.registry.connect(system.alice).contribute(attestation, signatures, 1, ""))
      .to.be.revertedWithCustomError(system.registry, "RegistryUnknownValidator")
      .withArgs(v1.address);
    await expectUntouched(system, attestation);
  });
});
