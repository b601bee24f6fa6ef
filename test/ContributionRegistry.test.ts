import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, type Signer } from "ethers";
import { ContributionRegistry__factory } from "../typechain-types";
import { registryConfig, systemFixture, timelockSigner, type System } from "./support/fixtures";
import { attest, contribute, uniqueHash } from "./support/contribute";
import { nextEpoch } from "./support/epoch";
import { PURPOSE_ID } from "../src/protocol/constants";
import { ATTESTATION_TYPES, attestationDomain, orderSignatures, signAttestation } from "../src/protocol/attestation";
import { bit, ContributionStatus as Status } from "./support/constants";

const { RESEARCH, ANALYTICS, AI_TRAINING } = PURPOSE_ID;
const RATE = 10n ** 14n; // deploy/parameters/hardhat.json

/** Asserts a rejected contribution left no trace: no record, no supply, no weight. */
async function expectNothingChanged(system: System, contentHash: string, supplyBefore: bigint) {
  expect((await system.registry.contribution(contentHash)).status).to.equal(Status.None);
  expect(await system.token.totalSupply()).to.equal(supplyBefore);
  for (let p = 0; p < 6; p++) expect(await system.distributor.totalWeight(p)).to.equal(0n);
}

describe("ContributionRegistry", function () {
  describe("contribute", function () {
    it("registers, mints units × quality × rate, self-delegates and reports weight per purpose", async function () {
      const system = await loadFixture(systemFixture);
      const { registry, token, distributor, alice } = system;
      const { attestation, signatures } = await attest(system, alice, { units: 1200, quality: 7500 });
      const reward = 1200n * 7500n * RATE;
      await expect(
        registry.connect(alice).contribute(attestation, signatures, bit(RESEARCH) | bit(AI_TRAINING), "http://x/1"),
      )
        .to.emit(registry, "Contributed")
        .withArgs(
          attestation.contentHash,
          alice.address,
          attestation.sourceHash,
          1200,
          7500,
          bit(RESEARCH) | bit(AI_TRAINING),
          reward,
          1,
          "http://x/1",
        );
      const c = await registry.contribution(attestation.contentHash);
      expect([c.owner, c.status, c.purposes, c.units, c.quality, c.weight, c.sourcePaidUnits]).to.deep.equal([
        alice.address,
        Status.Active,
        BigInt(bit(RESEARCH) | bit(AI_TRAINING)),
        1200n,
        7500n,
        1200n * 7500n,
        1200n,
      ]);
      expect(await token.balanceOf(alice)).to.equal(reward);
      expect(await token.getVotes(alice)).to.equal(reward);
      // Consent given is pending until the next consent epoch, for revenue and keys alike.
      expect(await distributor.pendingWeightOf(alice, RESEARCH)).to.equal(9_000_000n);
      expect(await distributor.weightOf(alice, RESEARCH)).to.equal(0n);
      expect(await registry.isEligible(attestation.contentHash, AI_TRAINING)).to.equal(false);
      expect(await registry.pendingPurposes(attestation.contentHash)).to.equal(bit(RESEARCH) | bit(AI_TRAINING));
      await nextEpoch(system);
      expect(await registry.effectivePurposes(attestation.contentHash)).to.equal(bit(RESEARCH) | bit(AI_TRAINING));
      expect(await distributor.weightOf(alice, RESEARCH)).to.equal(9_000_000n);
      expect(await distributor.weightOf(alice, AI_TRAINING)).to.equal(9_000_000n);
      expect(await distributor.weightOf(alice, ANALYTICS)).to.equal(0n);
      expect(await registry.isEligible(attestation.contentHash, AI_TRAINING)).to.equal(true);
      expect(await registry.isEligible(attestation.contentHash, ANALYTICS)).to.equal(false);
      expect(await registry.source(attestation.sourceHash)).to.deep.equal([
        alice.address,
        attestation.contentHash,
        1200n,
      ]);
    });

    it("computes the same digest on-chain and off-chain", async function () {
      const system = await loadFixture(systemFixture);
      const { attestation } = await attest(system, system.alice);
      const { chainId } = await ethers.provider.getNetwork();
      const domain = attestationDomain(chainId, await system.registry.getAddress());
      const { attestationDigest } = await import("../src/protocol/attestation");
      expect(await system.registry.attestationDigest(attestation)).to.equal(attestationDigest(domain, attestation));
    });

    it("accepts k-of-n distinct validators once governance raises the threshold", async function () {
      const system = await loadFixture(systemFixture);
      const { registry, validators, alice } = system;
      await registry.connect(await timelockSigner(system)).setAttestationThreshold(2);
      const { attestation, signatures } = await attest(system, alice, { signers: [validators[2], validators[0]] });
      await expect(registry.connect(alice).contribute(attestation, signatures, 1, "")).to.emit(registry, "Contributed");
      const all = await attest(system, alice, { signers: validators });
      await expect(registry.connect(alice).contribute(all.attestation, all.signatures, 1, "")).to.emit(
        registry,
        "Contributed",
      );
    });

    describe("rejects, changing nothing", function () {
      async function rejected(
        mutate: (system: Awaited<ReturnType<typeof systemFixture>>) => Promise<{
          call: Promise<unknown>;
          contentHash: string;
          error: string;
          args?: unknown[];
        }>,
      ) {
        const system = await loadFixture(systemFixture);
        const supply = await system.token.totalSupply();
        const { call, contentHash, error, args } = await mutate(system);
        const assertion = expect(call).to.be.revertedWithCustomError(system.registry, error);
        if (args) await assertion.withArgs(...args);
        else await assertion;
        await expectNothingChanged(system, contentHash, supply);
      }

      it("a signature by someone who is not a validator", async function () {
        await rejected(async (s) => {
          const { attestation, signatures } = await attest(s, s.alice, { signers: [s.bob] });
          return {
            call: s.registry.connect(s.alice).contribute(attestation, signatures, 1, ""),
            contentHash: attestation.contentHash,
            error: "RegistryUnknownValidator",
            args: [s.bob.address],
          };
        });
      });

      it("a malformed signature", async function () {
        await rejected(async (s) => {
          const { attestation } = await attest(s, s.alice);
          return {
            call: s.registry.connect(s.alice).contribute(attestation, ["0x1234"], 1, ""),
            contentHash: attestation.contentHash,
            error: "RegistryUnknownValidator",
            args: [ethers.ZeroAddress],
          };
        });
      });

      it("fewer signatures than the threshold", async function () {
        const system = await loadFixture(systemFixture);
        await system.registry.connect(await timelockSigner(system)).setAttestationThreshold(2);
        const { attestation, signatures } = await attest(system, system.alice, { signers: [system.validators[0]] });
        await expect(system.registry.connect(system.alice).contribute(attestation, signatures, 1, ""))
          .to.be.revertedWithCustomError(system.registry, "RegistryBelowThreshold")
          .withArgs(1, 2);
        await expectNothingChanged(system, attestation.contentHash, 0n);
      });

      it("the same validator twice", async function () {
        await rejected(async (s) => {
          const { attestation, signatures } = await attest(s, s.alice, { signers: [s.validators[0]] });
          return {
            call: s.registry.connect(s.alice).contribute(attestation, [signatures[0], signatures[0]], 1, ""),
            contentHash: attestation.contentHash,
            error: "RegistryDuplicateValidator",
            args: [s.validators[0].address],
          };
        });
      });

      it("validators out of ascending order", async function () {
        await rejected(async (s) => {
          const { attestation, signatures } = await attest(s, s.alice, { signers: [s.validators[0], s.validators[1]] });
          const [low, high] = [s.validators[0].address, s.validators[1].address].sort((a, b) =>
            BigInt(a) < BigInt(b) ? -1 : 1,
          );
          return {
            call: s.registry.connect(s.alice).contribute(attestation, [...signatures].reverse(), 1, ""),
            contentHash: attestation.contentHash,
            error: "RegistryValidatorsNotAscending",
            args: [high, low],
          };
        });
      });

      it("an expired attestation", async function () {
        await rejected(async (s) => {
          const now = BigInt(await time.latest());
          const { attestation, signatures } = await attest(s, s.alice, { deadline: now + 10n });
          await time.setNextBlockTimestamp(now + 11n);
          return {
            call: s.registry.connect(s.alice).contribute(attestation, signatures, 1, ""),
            contentHash: attestation.contentHash,
            error: "RegistryAttestationExpired",
            args: [now + 10n, now + 11n],
          };
        });
      });

      for (const [label, domainOf] of [
        ["signed for another chain", async (s: System) => attestationDomain(1n, await s.registry.getAddress())],
        [
          "signed for another registry",
          async (s: System) =>
            attestationDomain((await ethers.provider.getNetwork()).chainId, s.distributor.target as string),
        ],
      ] as const) {
        it(`an attestation ${label}`, async function () {
          await rejected(async (s) => {
            const { attestation } = await attest(s, s.alice);
            const foreign = await signAttestation(s.validators[0], await domainOf(s), attestation);
            const recovered = ethers.verifyTypedData(
              await domainOf(s),
              { Attestation: [...ATTESTATION_TYPES.Attestation] },
              attestation,
              foreign.signature,
            );
            expect(recovered).to.equal(s.validators[0].address); // valid elsewhere, meaningless here
            return {
              call: s.registry.connect(s.alice).contribute(attestation, orderSignatures([foreign]), 1, ""),
              contentHash: attestation.contentHash,
              error: "RegistryUnknownValidator",
            };
          });
        });
      }

      it("a caller who is not the attested contributor", async function () {
        await rejected(async (s) => {
          const { attestation, signatures } = await attest(s, s.alice);
          return {
            call: s.registry.connect(s.bob).contribute(attestation, signatures, 1, ""),
            contentHash: attestation.contentHash,
            error: "RegistryNotContributor",
            args: [s.bob.address, s.alice.address],
          };
        });
      });

      it("zero units", async function () {
        await rejected(async (s) => {
          const { attestation, signatures } = await attest(s, s.alice, { units: 0 });
          return {
            call: s.registry.connect(s.alice).contribute(attestation, signatures, 1, ""),
            contentHash: attestation.contentHash,
            error: "RegistryZeroUnits",
          };
        });
      });

      for (const quality of [0, 10_001]) {
        it(`quality ${quality} bps`, async function () {
          await rejected(async (s) => {
            const { attestation, signatures } = await attest(s, s.alice, { quality });
            return {
              call: s.registry.connect(s.alice).contribute(attestation, signatures, 1, ""),
              contentHash: attestation.contentHash,
              error: "RegistryQualityOutOfRange",
              args: [quality],
            };
          });
        });
      }

      it("an unknown purpose", async function () {
        await rejected(async (s) => {
          const { attestation, signatures } = await attest(s, s.alice);
          return {
            call: s.registry.connect(s.alice).contribute(attestation, signatures, bit(0) | bit(9), ""),
            contentHash: attestation.contentHash,
            error: "RegistryUnknownPurpose",
            args: [bit(0) | bit(9), 0b111111],
          };
        });
      });

      it("zero content or source hashes", async function () {
        await rejected(async (s) => {
          const { attestation, signatures } = await attest(s, s.alice, { contentHash: ethers.ZeroHash });
          return {
            call: s.registry.connect(s.alice).contribute(attestation, signatures, 1, ""),
            contentHash: ethers.ZeroHash,
            error: "RegistryZeroContentHash",
          };
        });
        await rejected(async (s) => {
          const { attestation, signatures } = await attest(s, s.alice, { sourceHash: ethers.ZeroHash });
          return {
            call: s.registry.connect(s.alice).contribute(attestation, signatures, 1, ""),
            contentHash: attestation.contentHash,
            error: "RegistryZeroSourceHash",
          };
        });
      });
    });

    it("rejects a content hash registered before, even after revocation", async function () {
      const system = await loadFixture(systemFixture);
      const { registry, alice, bob } = system;
      const { attestation } = await contribute(system, alice);
      const again = await attest(system, bob, { contentHash: attestation.contentHash });
      await expect(registry.connect(bob).contribute(again.attestation, again.signatures, 1, ""))
        .to.be.revertedWithCustomError(registry, "RegistryDuplicateContent")
        .withArgs(attestation.contentHash);
      await registry.connect(alice).revoke(attestation.contentHash);
      const afterRevoke = await attest(system, alice, { contentHash: attestation.contentHash });
      await expect(registry.connect(alice).contribute(afterRevoke.attestation, afterRevoke.signatures, 1, ""))
        .to.be.revertedWithCustomError(registry, "RegistryDuplicateContent")
        .withArgs(attestation.contentHash);
    });

    it("binds a source account to the first wallet that contributed it", async function () {
      const system = await loadFixture(systemFixture);
      const { registry, alice, bob } = system;
      const { attestation } = await contribute(system, alice);
      const stolen = await attest(system, bob, { sourceHash: attestation.sourceHash, units: 5000 });
      await expect(registry.connect(bob).contribute(stolen.attestation, stolen.signatures, 1, ""))
        .to.be.revertedWithCustomError(registry, "RegistrySourceBoundToOther")
        .withArgs(attestation.sourceHash, alice.address);
      // Still bound after the owner revokes.
      await registry.connect(alice).revoke(attestation.contentHash);
      const retry = await attest(system, bob, { sourceHash: attestation.sourceHash });
      await expect(registry.connect(bob).contribute(retry.attestation, retry.signatures, 1, ""))
        .to.be.revertedWithCustomError(registry, "RegistrySourceBoundToOther")
        .withArgs(attestation.sourceHash, alice.address);
    });
  });

  describe("differential rewards", function () {
    it("pays a re-upload of the same source only for its growth and supersedes the older export", async function () {
      const system = await loadFixture(systemFixture);
      const { registry, token, distributor, alice } = system;
      const source = uniqueHash("chatgpt-user");
      const first = await contribute(system, alice, { sourceHash: source, units: 1000, quality: 8000, purposes: 1 });
      expect(await token.balanceOf(alice)).to.equal(1000n * 8000n * RATE);

      const grown = await attest(system, alice, { sourceHash: source, units: 1500, quality: 9000 });
      await expect(registry.connect(alice).contribute(grown.attestation, grown.signatures, 0b11, ""))
        .to.emit(registry, "Superseded")
        .withArgs(first.attestation.contentHash, grown.attestation.contentHash)
        .and.to.emit(registry, "Contributed")
        .withArgs(grown.attestation.contentHash, alice.address, source, 1500, 9000, 0b11, 500n * 9000n * RATE, 1, "");
      expect(await token.balanceOf(alice)).to.equal(1000n * 8000n * RATE + 500n * 9000n * RATE);
      expect((await registry.contribution(first.attestation.contentHash)).status).to.equal(Status.Superseded);
      // Weight counts once: only the newer export's weight remains (pending), in its own purposes.
      expect(await distributor.pendingWeight(0)).to.equal(1500n * 9000n);
      expect(await distributor.pendingWeight(1)).to.equal(1500n * 9000n);

      // A smaller export pays nothing and keeps the high-water mark.
      const shrunk = await attest(system, alice, { sourceHash: source, units: 1200, quality: 9000 });
      await expect(registry.connect(alice).contribute(shrunk.attestation, shrunk.signatures, 1, ""))
        .to.emit(registry, "Contributed")
        .withArgs(shrunk.attestation.contentHash, alice.address, source, 1200, 9000, 1, 0, 1, "");
      expect((await registry.source(source))[2]).to.equal(1500n);
      expect(await distributor.pendingWeight(0)).to.equal(1200n * 9000n);
      expect(await distributor.pendingWeight(1)).to.equal(0n);
    });

    it("pays nothing again for units of a revoked export re-uploaded later", async function () {
      const system = await loadFixture(systemFixture);
      const { registry, token, alice } = system;
      const source = uniqueHash("chatgpt-user");
      const first = await contribute(system, alice, { sourceHash: source, units: 1000 });
      await registry.connect(alice).revoke(first.attestation.contentHash);
      const balance = await token.balanceOf(alice);
      await contribute(system, alice, { sourceHash: source, units: 1000 });
      expect(await token.balanceOf(alice)).to.equal(balance);
    });

    it("cuts the reward at the token cap but still counts the contribution for revenue", async function () {
      const { deploySystem } = await import("./support/fixtures");
      const system = await deploySystem({ tokenCap: (1000n * 8000n * RATE * 3n) / 2n });
      const [, alice, bob] = system.signers;
      await contribute(system, alice, { units: 1000, quality: 8000 });
      const { tx } = await contribute(system, bob, { units: 1000, quality: 8000, purposes: 1 });
      await expect(tx).to.changeTokenBalance(system.token, bob, (1000n * 8000n * RATE) / 2n);
      expect(await system.token.totalSupply()).to.equal(await system.token.cap());
      expect(await system.distributor.pendingWeightOf(bob, 0)).to.equal(8_000_000n);
    });
  });

  describe("consent, revocation, replacement", function () {
    async function contributed() {
      const system = await systemFixture();
      const { attestation } = await contribute(system, system.alice, { purposes: bit(RESEARCH) | bit(AI_TRAINING) });
      await nextEpoch(system);
      return { ...system, contentHash: attestation.contentHash, weight: 1000n * 8000n };
    }

    it("changes consent: weight leaves the dropped purpose and joins the added one", async function () {
      const { registry, distributor, alice, contentHash, weight } = await loadFixture(contributed);
      await expect(registry.connect(alice).setPurposes(contentHash, bit(RESEARCH) | bit(ANALYTICS)))
        .to.emit(registry, "PurposesChanged")
        .withArgs(contentHash, bit(RESEARCH) | bit(AI_TRAINING), bit(RESEARCH) | bit(ANALYTICS));
      expect(await distributor.totalWeight(AI_TRAINING)).to.equal(0n);
      expect(await distributor.totalWeight(ANALYTICS)).to.equal(0n); // consent given: pending
      expect(await distributor.pendingWeight(ANALYTICS)).to.equal(weight);
      expect(await distributor.totalWeight(RESEARCH)).to.equal(weight);
      expect(await registry.isEligible(contentHash, AI_TRAINING)).to.equal(false);
    });

    it("lets only the owner change consent, only on an active contribution, only to defined purposes", async function () {
      const { registry, alice, bob, contentHash } = await loadFixture(contributed);
      await expect(registry.connect(bob).setPurposes(contentHash, 1))
        .to.be.revertedWithCustomError(registry, "RegistryNotOwner")
        .withArgs(contentHash, bob.address, alice.address);
      await expect(registry.connect(alice).setPurposes(contentHash, bit(15)))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownPurpose")
        .withArgs(bit(15), 0b111111);
      const unknown = uniqueHash("nothing");
      await expect(registry.connect(alice).setPurposes(unknown, 1))
        .to.be.revertedWithCustomError(registry, "RegistryNotActive")
        .withArgs(unknown, Status.None);
    });

    it("revokes: weight leaves every purpose at once, once", async function () {
      const { registry, distributor, alice, bob, contentHash } = await loadFixture(contributed);
      await expect(registry.connect(bob).revoke(contentHash))
        .to.be.revertedWithCustomError(registry, "RegistryNotOwner")
        .withArgs(contentHash, bob.address, alice.address);
      await expect(registry.connect(alice).revoke(contentHash))
        .to.emit(registry, "Revoked")
        .withArgs(contentHash, alice.address);
      for (let p = 0; p < 6; p++) expect(await distributor.totalWeight(p)).to.equal(0n);
      expect(await registry.isEligible(contentHash, RESEARCH)).to.equal(false);
      await expect(registry.connect(alice).revoke(contentHash))
        .to.be.revertedWithCustomError(registry, "RegistryNotActive")
        .withArgs(contentHash, Status.Revoked);
      await expect(registry.connect(alice).setPurposes(contentHash, 1))
        .to.be.revertedWithCustomError(registry, "RegistryNotActive")
        .withArgs(contentHash, Status.Revoked);
    });

    it("replaces: revokes the old contribution and registers the new one in one transaction", async function () {
      const system = await loadFixture(contributed);
      const { registry, distributor, alice, contentHash } = system;
      const next = await attest(system, alice, { units: 3000, quality: 5000 });
      const tx = registry.connect(alice).replace(contentHash, next.attestation, next.signatures, bit(ANALYTICS), "");
      await expect(tx).to.emit(registry, "Revoked").withArgs(contentHash, alice.address);
      await expect(tx).to.emit(registry, "Contributed");
      expect((await registry.contribution(contentHash)).status).to.equal(Status.Revoked);
      expect(await distributor.totalWeight(RESEARCH)).to.equal(0n);
      expect(await distributor.pendingWeight(ANALYTICS)).to.equal(3000n * 5000n);
    });

    it("replace is atomic: a bad new attestation leaves the old contribution active", async function () {
      const system = await loadFixture(contributed);
      const { registry, alice, bob, contentHash } = system;
      const bad = await attest(system, alice, { signers: [bob] });
      await expect(
        registry.connect(alice).replace(contentHash, bad.attestation, bad.signatures, 1, ""),
      ).to.be.revertedWithCustomError(registry, "RegistryUnknownValidator");
      expect((await registry.contribution(contentHash)).status).to.equal(Status.Active);
    });
  });

  describe("governance", function () {
    it("lets only the timelock set the reward rate, the threshold and purposes, within bounds", async function () {
      const system = await loadFixture(systemFixture);
      const { registry, alice } = system;
      const admin = await registry.DEFAULT_ADMIN_ROLE();
      for (const call of [
        registry.connect(alice).setRewardRate(1),
        registry.connect(alice).setAttestationThreshold(1),
        registry.connect(alice).definePurpose(6, "X", ""),
        registry.connect(alice).grantRole(await registry.VALIDATOR_ROLE(), alice),
      ]) {
        await expect(call)
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(alice.address, admin);
      }
      const timelock = await timelockSigner(system);
      await expect(registry.connect(timelock).setRewardRate(7))
        .to.emit(registry, "RewardRateChanged")
        .withArgs(RATE, 7);
      expect(await registry.rewardRate()).to.equal(7n);
      const max = await registry.MAX_REWARD_RATE();
      await expect(registry.connect(timelock).setRewardRate(max + 1n))
        .to.be.revertedWithCustomError(registry, "RegistryRewardRateTooHigh")
        .withArgs(max + 1n, max);
      await expect(registry.connect(timelock).setAttestationThreshold(3))
        .to.emit(registry, "AttestationThresholdChanged")
        .withArgs(1, 3);
      await expect(registry.connect(timelock).setAttestationThreshold(4))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidThreshold")
        .withArgs(4, 3);
      await expect(registry.connect(timelock).setAttestationThreshold(0))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidThreshold")
        .withArgs(0, 3);
      await expect(registry.connect(timelock).definePurpose(6, "SYNTHETIC_DATA", "ipfs://meta"))
        .to.emit(registry, "PurposeDefined")
        .withArgs(6, "SYNTHETIC_DATA", "ipfs://meta");
      expect(await registry.definedPurposes()).to.equal(0b1111111);
      expect(await registry.purposeInfo(6)).to.deep.equal(["SYNTHETIC_DATA", "ipfs://meta"]);
      await expect(registry.connect(timelock).definePurpose(16, "X", ""))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidPurposeId")
        .withArgs(16);
    });

    it("seeds the default purposes at deployment", async function () {
      const { registry } = await loadFixture(systemFixture);
      expect(await registry.definedPurposes()).to.equal(0b111111);
      expect((await registry.purposeInfo(AI_TRAINING))[0]).to.equal("AI_TRAINING");
    });

    it("stops accepting a validator the timelock revoked", async function () {
      const system = await loadFixture(systemFixture);
      const { registry, validators, alice } = system;
      await registry.connect(await timelockSigner(system)).revokeRole(await registry.VALIDATOR_ROLE(), validators[0]);
      const { attestation, signatures } = await attest(system, alice, { signers: [validators[0]] });
      await expect(registry.connect(alice).contribute(attestation, signatures, 1, ""))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownValidator")
        .withArgs(validators[0].address);
    });

    it("rejects an inconsistent deployment", async function () {
      const system = await loadFixture(systemFixture);
      const factory = await ethers.getContractFactory("ContributionRegistry");
      await expect(
        factory.deploy(
          system.token,
          system.distributor,
          system.timelock,
          registryConfig(1),
          [system.alice.address],
          ["A"],
          [],
        ),
      )
        .to.be.revertedWithCustomError(factory, "RegistryPurposeLengthMismatch")
        .withArgs(1, 0);
      await expect(
        factory.deploy(
          system.token,
          system.distributor,
          system.timelock,
          registryConfig(2),
          [system.alice.address],
          [],
          [],
        ),
      )
        .to.be.revertedWithCustomError(factory, "RegistryInvalidThreshold")
        .withArgs(2, 1);
    });

    it("refuses a zero token, distributor or timelock, naming no value (each is the zero address)", async function () {
      const { token, distributor, timelock, alice, deployer } = await loadFixture(systemFixture);
      const factory = new ContributionRegistry__factory(deployer);
      for (const [t, d, tl] of [
        [ZeroAddress, distributor, timelock],
        [token, ZeroAddress, timelock],
        [token, distributor, ZeroAddress],
      ] as const) {
        await expect(
          factory.deploy(t, d, tl, registryConfig(1), [alice.address], ["P0"], ["P0"]),
        ).to.be.revertedWithCustomError(factory, "RegistryZeroAddress");
      }
    });

    it("refuses a zero validator, naming its position", async function () {
      const { token, distributor, timelock, alice, bob, deployer } = await loadFixture(systemFixture);
      const factory = new ContributionRegistry__factory(deployer);
      await expect(factory.deploy(token, distributor, timelock, registryConfig(1), [alice, bob, ZeroAddress], [], []))
        .to.be.revertedWithCustomError(factory, "RegistryZeroValidator")
        .withArgs(2);
    });

    it("refuses more than 16 seeded purposes with their count, and takes exactly 16", async function () {
      const { token, distributor, timelock, alice, deployer } = await loadFixture(systemFixture);
      const factory = new ContributionRegistry__factory(deployer);
      const names = (n: number) => Array.from({ length: n }, (_, i) => `P${i}`);
      await expect(
        factory.deploy(token, distributor, timelock, registryConfig(1), [alice.address], names(17), names(17)),
      )
        .to.be.revertedWithCustomError(factory, "RegistryTooManyPurposes")
        .withArgs(17, 16);
      const registry = await factory.deploy(
        token,
        distributor,
        timelock,
        registryConfig(1),
        [alice.address],
        names(16),
        names(16),
      );
      expect(await registry.definedPurposes()).to.equal(0xffffn);
      expect(await registry.MAX_PURPOSES()).to.equal(16n);
    });

    it("refuses a threshold above 16 even with enough validators", async function () {
      const system = await loadFixture(systemFixture);
      const admin = await timelockSigner(system);
      const role = await system.registry.VALIDATOR_ROLE();
      for (const signer of (await ethers.getSigners()).slice(0, 15))
        await system.registry.connect(admin).grantRole(role, signer);
      expect(await system.registry.getRoleMemberCount(role)).to.equal(18n);
      await expect(system.registry.connect(admin).setAttestationThreshold(17))
        .to.be.revertedWithCustomError(system.registry, "RegistryInvalidThreshold")
        .withArgs(17, 18);
      await system.registry.connect(admin).setAttestationThreshold(16);
      expect(await system.registry.attestationThreshold()).to.equal(16n);
    });
  });
});

export type { Signer };
