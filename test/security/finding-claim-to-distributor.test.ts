import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, parseUnits } from "ethers";
import { contribute } from "../support/contribute";
import { nextEpoch } from "../support/epoch";
import { systemFixture, timelockSigner } from "../support/fixtures";
import { bit, PRECISION, Purpose } from "../support/constants";

/**
 * Finding (low, fixed in 4891dff): `claimTo(purposes, address(distributor))` used to succeed. It settled the
 * claimant's earnings to zero and "paid" them to the distributor itself, so the tokens never left: they became a
 * plain balance outside the ledger that nobody could ever claim. The claimant lost its revenue for good, and the
 * documented conservation law `balance * PRECISION == Σ earnedScaled + Σ carry` no longer held. `claimTo` now
 * refuses the distributor itself, like the zero address, with `DistributorInvalidRecipient(to)`.
 */

const { AI_TRAINING } = Purpose;
const MASK = bit(AI_TRAINING);

async function earningFixture() {
  const system = await systemFixture();
  const { distributor, usdc, alice, bob } = system;
  const [, , , , , , depositor] = system.signers;
  await distributor.connect(await timelockSigner(system)).grantRole(await distributor.DEPOSITOR_ROLE(), depositor);
  await usdc.mint(depositor, parseUnits("1000", 6));
  await usdc.connect(depositor).approve(distributor, MaxUint256);
  await contribute(system, alice, { units: 300, quality: 10_000, purposes: MASK });
  await contribute(system, bob, { units: 100, quality: 10_000, purposes: MASK });
  await nextEpoch(system);
  await distributor.connect(depositor).deposit(AI_TRAINING, parseUnits("1000", 6));
  return system;
}

describe("Security finding: claimTo the distributor itself", function () {
  it("refuses the distributor as a recipient, so no revenue is locked outside the ledger", async function () {
    const { distributor, usdc, alice, bob } = await loadFixture(earningFixture);
    const owed = await distributor.claimable(alice);
    expect(owed).to.equal(parseUnits("750", 6));

    await expect(distributor.connect(alice).claimTo(MASK, distributor))
      .to.be.revertedWithCustomError(distributor, "DistributorInvalidRecipient")
      .withArgs(await distributor.getAddress());

    expect(await distributor.claimable(alice)).to.equal(owed);
    const earned =
      (await distributor.earnedScaled(alice, AI_TRAINING)) + (await distributor.earnedScaled(bob, AI_TRAINING));
    expect((await usdc.balanceOf(distributor)) * PRECISION, "balance × PRECISION == Σ earnedScaled + carry").to.equal(
      earned + (await distributor.carry(AI_TRAINING)),
    );
  });
});
