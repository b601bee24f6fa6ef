import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import { ExactTransferHarness__factory, MockUSDC__factory } from "../../typechain-types";
import { hostileToken, type MintableToken, type TokenDeployer } from "../support/hostile-tokens";

const AMOUNT = 1_000_000n;
const HELD = 5n; // the harness already holds some tokens, so `balanceAfter` is not just what arrived

/** The harness holding `HELD` of a token deployed by `deploy`, and a payer that approved it for everything. */
async function pullerOf<T extends MintableToken>(deploy: TokenDeployer<T>) {
  const [deployer, payer] = await ethers.getSigners();
  const token = await deploy(deployer);
  const harness = await new ExactTransferHarness__factory(deployer).deploy();
  await token.mint(await harness.getAddress(), HELD);
  await token.mint(payer.address, 10n * AMOUNT);
  await (token.connect(payer) as T).approve(await harness.getAddress(), MaxUint256);
  return { token, harness, payer };
}

const plain = () => pullerOf((d) => new MockUSDC__factory(d).deploy());
const feeOnTransfer = () => pullerOf(hostileToken.feeOnTransfer);
const shrinking = () => pullerOf(hostileToken.shrinking);
const falseReturning = () => pullerOf(hostileToken.falseReturning);

describe("ExactTransfer", function () {
  it("reports the whole amount received and the balance after it from a plain token", async function () {
    const { token, harness, payer } = await loadFixture(plain);
    await expect(harness.pull(token, payer, AMOUNT))
      .to.emit(harness, "Pulled")
      .withArgs(AMOUNT, HELD + AMOUNT);
    expect(await token.balanceOf(harness)).to.equal(HELD + AMOUNT);
  });

  it("reports what arrived, not what was asked, from a fee-on-transfer token", async function () {
    const { token, harness, payer } = await loadFixture(feeOnTransfer);
    await token.setFee(100, false); // 1%, paid by the recipient
    await expect(harness.pull(token, payer, AMOUNT))
      .to.emit(harness, "Pulled")
      .withArgs((AMOUNT * 99n) / 100n, HELD + (AMOUNT * 99n) / 100n);
  });

  it("reports nothing received, not an underflow, when a token lowers the balance during the pull", async function () {
    const { token, harness, payer } = await loadFixture(shrinking);
    await token.setShrinking(true);
    await expect(harness.pull(token, payer, AMOUNT))
      .to.emit(harness, "Pulled")
      .withArgs(0n, HELD - 1n);
  });

  it("reverts with SafeERC20's error when the token returns false", async function () {
    const { token, harness, payer } = await loadFixture(falseReturning);
    await token.setFailing(true);
    await expect(harness.pull(token, payer, AMOUNT))
      .to.be.revertedWithCustomError(harness, "SafeERC20FailedOperation")
      .withArgs(await token.getAddress());
  });
});
