import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, id } from "ethers";
import { deploySystem, timelockSigner } from "../support/fixtures";
import { contribute } from "../support/contribute";
import { deliverNow, nextEpoch } from "../support/epoch";
import { MockDAI__factory, MockUSDC__factory } from "../../typechain-types";
import { publicKeyOf } from "../support/escrow";
import { PRECISION, Purpose } from "../support/constants";

const { RESEARCH } = Purpose;

/**
 * A sole RESEARCH consenter of weight 100 (1 unit at 1% quality) who is also a buyer, in a system paid in a
 * token of `decimals` decimals.
 */
async function soleConsenter(decimals: 6 | 18) {
  const [deployer] = await ethers.getSigners();
  const token =
    decimals === 18 ? await new MockDAI__factory(deployer).deploy() : await new MockUSDC__factory(deployer).deploy();
  const system = await deploySystem({}, await token.getAddress());
  const mallory = system.signers[9];
  await contribute(system, mallory, { units: 1, quality: 100, purposes: 1 << RESEARCH });
  await nextEpoch(system);
  await token.mint(mallory, 2n ** 127n);
  await token.connect(mallory).approve(system.escrow, MaxUint256);
  const admin = await timelockSigner(system);
  /** Mallory buys RESEARCH access from herself for `amount`; governance approves, the custodian delivers. */
  const buyFromSelf = async (amount: bigint) => {
    await system.escrow
      .connect(mallory)
      .requestAccess(RESEARCH, amount, 86_400, id("terms"), "", publicKeyOf("mallory"));
    const requestId = await system.escrow.requestCount();
    await system.escrow.connect(admin).approve([requestId]);
    return deliverNow(system.escrow.connect(system.custodian), requestId, "ipfs://m", id(`m${requestId}`));
  };
  return { ...system, token, mallory, buyFromSelf };
}

/**
 * Finding 3 (low): with weight 100 and an 18-decimal token, one self-purchase left the accumulator near 2^127 and
 * every later deposit of the purpose reverted. Fix: accumulators wrap modulo 2^192 and only differences are paid
 * (Uniswap-style fee growth); no sequence of deposits can make a purpose refuse later ones.
 */
describe("Finding 3: a purpose can be bricked by saturating its accumulator", function () {
  for (const decimals of [18, 6] as const) {
    it(`keeps accepting deposits and paying exactly after huge ones (${decimals} decimals)`, async function () {
      const { distributor, escrow, token, mallory, buyFromSelf } = await loadFixture(
        decimals === 18 ? soleConsenter18 : soleConsenter6,
      );
      // The finding's deposit: the accumulator would pass 2^127 (weight 100, 1e18 precision).
      const huge = ((2n ** 127n / PRECISION) * 100n * 10_000n) / 9_500n + 10n ** 9n;
      await buyFromSelf(huge);
      for (let i = 0; i < 3; i++) await buyFromSelf(huge); // and again, far past the old 2^127 bound
      // A later ordinary sale still delivers and pays.
      const ordinary = 1_000n * 10n ** BigInt(decimals);
      await expect(buyFromSelf(ordinary)).to.emit(distributor, "Deposited");
      // Mallory, the only consenter, can claim everything that was deposited for RESEARCH, and nothing more.
      const deposited = await token.balanceOf(distributor);
      const claimable = await distributor.claimable(mallory);
      expect(claimable).to.be.lte(deposited);
      expect(deposited - claimable).to.be.lte(5n); // rounding remainders carried, at most a unit per deposit
      await expect(distributor.connect(mallory).claim(1 << RESEARCH)).to.changeTokenBalance(token, mallory, claimable);
      expect(await escrow.heldFees()).to.equal(0n);
    });
  }
});

async function soleConsenter18() {
  return soleConsenter(18);
}
async function soleConsenter6() {
  return soleConsenter(6);
}
