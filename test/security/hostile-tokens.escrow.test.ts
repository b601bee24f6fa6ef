import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { SigningKey, ZeroHash, id } from "ethers";
import { DAY, publicKeyOf } from "../support/escrow";
import { deliverNow } from "../support/epoch";
import {
  HOSTILE_FEE as FEE,
  HOSTILE_PURPOSE as RESEARCH,
  escrowBooks,
  escrowPaidIn,
  hostileRequest as request,
  hostileToken,
} from "../support/hostile-tokens";

/**
 * What test/AccessEscrow.hostile.test.ts leaves out, on the same fixture: a token that lowers the escrow's balance
 * while a fee is pulled, and callbacks into the entry points it does not try (requestAccess, finalize, approve,
 * reject, deliver), made even from an account that holds the admin and custodian roles, so that only the
 * re-entrancy guard stands.
 */

const shrinking = () => escrowPaidIn(hostileToken.shrinking);
const reentrant = () => escrowPaidIn(hostileToken.reentrant);

describe("Security: hostile settlement tokens against the AccessEscrow (gaps)", function () {
  it("a token that takes from the escrow while pulling a fee counts as nothing received; nothing is recorded", async function () {
    const h = await loadFixture(shrinking);
    await request(h.escrow, h.buyer);
    await h.token.setShrinking(true);
    const before = await escrowBooks(h, [h.buyer]);
    await expect(request(h.escrow, h.buyer))
      .to.be.revertedWithCustomError(h.escrow, "EscrowUnexpectedTransfer")
      .withArgs(FEE, 0n);
    expect(await escrowBooks(h, [h.buyer])).to.deep.equal(before);
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
    await request(h.escrow, h.buyer); // 1: pending, optimistic
    await request(h.escrow, h.buyer); // 2: approved
    await h.escrow.connect(h.gov).approve([2n]);
    // Only the guard stands: the token itself is made admin and custodian.
    await h.escrow.connect(h.gov).grantRole(ZeroHash, h.token);
    const custodianKeys = [h.custodian.address, await h.token.getAddress()].map((a) => ({
      account: a,
      publicKey: new SigningKey(id(`custodian ${a}`)).compressedPublicKey,
    }));
    await h.custodianSet.connect(h.gov).setCustodians(custodianKeys, 1);
    const before = await escrowBooks(h, [h.buyer]);

    const callbacks = [
      h.escrow.interface.encodeFunctionData("requestAccess", [RESEARCH, 1n, DAY, id("t"), "", publicKeyOf("callback")]),
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
      () => request(h.escrow, h.buyer),
    ];
    for (const data of callbacks) {
      for (const call of outer) {
        await h.token.arm(h.escrow, data, true);
        await expect(call()).to.be.revertedWithCustomError(h.escrow, "ReentrancyGuardReentrantCall");
        expect(await escrowBooks(h, [h.buyer])).to.deep.equal(before);
      }
    }
    // During a refund the re-entered call reverts inside the transfer: the refund is kept, nothing else moves.
    await h.token.arm(h.escrow, callbacks[4], true);
    await expect(h.escrow.connect(h.buyer).cancel(1n)).to.emit(h.escrow, "RefundHeld");
    expect((await h.escrow.request(2n)).status).to.equal(before.requests[1].status);
    expect(await h.escrow.refundOwed(h.buyer)).to.equal((await h.escrow.request(1n)).amount);
  });
});
