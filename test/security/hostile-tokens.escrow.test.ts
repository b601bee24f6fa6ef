import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, SigningKey, ZeroHash, id, type BaseContract } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  AccessEscrow__factory,
  ReentrantToken__factory,
  RevenueDistributor__factory,
  ShrinkingToken__factory,
  type AccessEscrow,
} from "../../typechain-types";
import { deployCustodianSet } from "../helpers/escrow";
import { systemFixture } from "../helpers/fixtures";
import { deliverNow, nextEpoch, NO_CONSENT } from "../../scripts/lib/epoch";

/**
 * What test/AccessEscrow.hostile.test.ts leaves out: a token that lowers the escrow's balance while a fee is pulled,
 * and callbacks into the entry points it does not try (requestAccess, finalize, approve, reject, deliver), made
 * even from an account that holds the admin and custodian roles, so that only the re-entrancy guard stands.
 */

const DAY = 86_400n;
const FEE = 1_000_000_000n;
const RESEARCH = 0;

interface MintableToken extends BaseContract {
  mint(to: string, amount: bigint): Promise<unknown>;
  balanceOf(account: string): Promise<bigint>;
  approve(spender: string, amount: bigint): Promise<unknown>;
}

/** An escrow and a distributor paid in `token`, beside the deployed governance token and registry. */
async function escrowWith<T extends MintableToken>(deploy: (deployer: HardhatEthersSigner) => Promise<T>) {
  const base = await systemFixture();
  const [deployer] = base.signers;
  const [gov, custodian, treasury, registryAccount, buyer] = base.signers.slice(8, 13);
  const token = await deploy(deployer);
  const distributor = await new RevenueDistributor__factory(deployer).deploy(token, gov, 60);
  const custodianSet = await deployCustodianSet(deployer, gov.address, [custodian.address]);
  const escrow = await new AccessEscrow__factory(deployer).deploy(
    token,
    base.token,
    base.registry,
    distributor,
    gov,
    treasury,
    { treasuryShareBps: 500n, decisionPeriod: DAY, deliveryPeriod: DAY },
    custodianSet,
  );
  await distributor.wire(registryAccount, escrow);
  await distributor.connect(registryAccount).onConsentChange(base.alice, 0, NO_CONSENT, 0, 1 << RESEARCH, 100n);
  await nextEpoch({ distributor: distributor });
  await token.mint(buyer.address, 100n * FEE);
  await (token.connect(buyer) as T).approve(await escrow.getAddress(), MaxUint256);
  const key = new SigningKey(id("buyer")).compressedPublicKey;
  return { token, escrow, distributor, custodianSet, gov, custodian, treasury, buyer, key };
}

const shrinking = () => escrowWith((d) => new ShrinkingToken__factory(d).deploy());
const reentrant = () => escrowWith((d) => new ReentrantToken__factory(d).deploy());

function request(escrow: AccessEscrow, buyer: HardhatEthersSigner, key: string) {
  return escrow.connect(buyer).requestAccess(RESEARCH, FEE, 7n * DAY, id("terms"), "ipfs://terms", key);
}

/** The escrow's books and every request. */
async function snapshot(escrow: AccessEscrow, token: MintableToken, accounts: string[]) {
  const requests = [];
  for (let i = 1n; i <= (await escrow.requestCount()); i++) requests.push(await escrow.request(i));
  return {
    requests,
    heldFees: await escrow.heldFees(),
    balances: await Promise.all([await escrow.getAddress(), ...accounts].map((a) => token.balanceOf(a))),
  };
}

describe("Security: hostile settlement tokens against the AccessEscrow (gaps)", function () {
  it("a token that takes from the escrow while pulling a fee counts as nothing received; nothing is recorded", async function () {
    const h = await loadFixture(shrinking);
    await request(h.escrow, h.buyer, h.key);
    await h.token.setShrinking(true);
    const before = await snapshot(h.escrow, h.token, [h.buyer.address]);
    await expect(request(h.escrow, h.buyer, h.key))
      .to.be.revertedWithCustomError(h.escrow, "EscrowUnexpectedTransfer")
      .withArgs(FEE, 0n);
    expect(await snapshot(h.escrow, h.token, [h.buyer.address])).to.deep.equal(before);
    expect(await h.escrow.requestCount()).to.equal(1n);
  });

  it("a callback cannot re-enter requestAccess, finalize, approve, reject or deliver, even holding every role", async function () {
    const h = await loadFixture(reentrant);
    await h.escrow.connect(h.gov).setStandingTerms(RESEARCH, {
      enabled: true,
      maxDuration: 30n * DAY,
      objectionWindow: 3_600n,
      objectionThresholdBps: 2_000n,
      minPrice: 1n,
    });
    await request(h.escrow, h.buyer, h.key); // 1: pending, optimistic
    await request(h.escrow, h.buyer, h.key); // 2: approved
    await h.escrow.connect(h.gov).approve([2n]);
    // Only the guard stands: the token itself is made admin and custodian.
    await h.escrow.connect(h.gov).grantRole(ZeroHash, h.token);
    const custodianKeys = [h.custodian.address, await h.token.getAddress()].map((a) => ({
      account: a,
      publicKey: new SigningKey(id(`custodian ${a}`)).compressedPublicKey,
    }));
    await h.custodianSet.connect(h.gov).setCustodians(custodianKeys, 1);
    const accounts = [h.buyer.address, h.treasury.address, await h.distributor.getAddress()];
    const before = await snapshot(h.escrow, h.token, accounts);

    const callbacks = [
      h.escrow.interface.encodeFunctionData("requestAccess", [RESEARCH, 1n, DAY, id("t"), "", h.key]),
      h.escrow.interface.encodeFunctionData("finalize", [1n]),
      h.escrow.interface.encodeFunctionData("approve", [[1n]]),
      h.escrow.interface.encodeFunctionData("reject", [[1n, 2n]]),
      h.escrow.interface.encodeFunctionData("deliver", [
        2n,
        { epoch: 1n, builtAt: 0n, setHash: id("s"), manifestHash: id("m"), manifestURI: "ipfs://m" },
      ]),
    ];
    // Outer calls that move tokens: a release (deliver) and a pull (requestAccess). A refund is tried, not
    // required: a callback that reverts inside it only keeps the refund for the buyer (see below).
    const outer = [
      () => deliverNow(h.escrow.connect(h.custodian), 2n, "ipfs://m", id("m")),
      () => request(h.escrow, h.buyer, h.key),
    ];
    for (const data of callbacks) {
      for (const call of outer) {
        await h.token.arm(h.escrow, data, true);
        await expect(call()).to.be.revertedWithCustomError(h.escrow, "ReentrancyGuardReentrantCall");
        expect(await snapshot(h.escrow, h.token, accounts)).to.deep.equal(before);
      }
    }
    // During a refund the re-entered call reverts inside the transfer: the refund is kept, nothing else moves.
    await h.token.arm(h.escrow, callbacks[4], true);
    await expect(h.escrow.connect(h.buyer).cancel(1n)).to.emit(h.escrow, "RefundHeld");
    expect((await h.escrow.request(2n)).status).to.equal(before.requests[1].status);
    expect(await h.escrow.refundOwed(h.buyer)).to.equal((await h.escrow.request(1n)).amount);
  });
});
