import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import { CustodianSet__factory } from "../typechain-types";
import { escrowFixture, publicKeyOf } from "./support/escrow";
import localParameters from "../deploy/parameters/hardhat.json";

const member = (account: string, label = account) => ({ account, publicKey: publicKeyOf(`custodian ${label}`) });

describe("CustodianSet", function () {
  it("starts with the parameter file's 2-of-3 set as version 1, readable as a whole and seat by seat", async function () {
    const { custodianSet, custodians, outsider } = await loadFixture(escrowFixture);
    expect(await custodianSet.currentVersion()).to.equal(1n);
    expect(await custodianSet.threshold()).to.equal(2n);
    const [members, k] = await custodianSet.custodiansAt(1);
    expect(members.map((m) => m.account)).to.deep.equal(custodians.map((c) => c.address));
    expect(members.map((m) => m.publicKey)).to.deep.equal(localParameters.DataCoopLocal.custodianPublicKeys);
    expect(k).to.equal(2n);
    for (const [slot, c] of custodians.entries()) {
      expect(await custodianSet.seatOf(c)).to.deep.equal([1n, 2n, BigInt(slot), true]);
    }
    expect(await custodianSet.seatOf(outsider)).to.deep.equal([1n, 2n, 0n, false]);
    expect(await custodianSet.custodiansAt(0)).to.deep.equal([[], 0n]);
    await expect(custodianSet.custodiansAt(2))
      .to.be.revertedWithCustomError(custodianSet, "CustodianSetUnknownVersion")
      .withArgs(2, 1);
  });

  it("replaces the whole set by the timelock: a new version, an event, old versions kept, leavers unseated", async function () {
    const { custodianSet, custodians, admin, outsider, buyer } = await loadFixture(escrowFixture);
    const next = [member(custodians[2].address), member(outsider.address), member(buyer.address)];
    await expect(custodianSet.connect(admin).setCustodians(next, 3))
      .to.emit(custodianSet, "CustodianSetChanged")
      .withArgs(
        2,
        3,
        next.map((m) => m.account),
        next.map((m) => m.publicKey),
      );
    expect([await custodianSet.currentVersion(), await custodianSet.threshold()]).to.deep.equal([2n, 3n]);
    expect(await custodianSet.isCustodian(custodians[0])).to.equal(false);
    expect(await custodianSet.seatOf(custodians[2])).to.deep.equal([2n, 3n, 0n, true]);
    const [old] = await custodianSet.custodiansAt(1);
    expect(old.map((m) => m.account)).to.deep.equal(custodians.map((c) => c.address));
  });

  it("refuses every invalid set with a typed error, and anyone but the timelock", async function () {
    const { custodianSet, admin, outsider, buyer } = await loadFixture(escrowFixture);
    const set = custodianSet.connect(admin);
    const a = member(outsider.address);
    const b = member(buyer.address);
    await expect(set.setCustodians([], 1))
      .to.be.revertedWithCustomError(custodianSet, "CustodianSetInvalidSize")
      .withArgs(0, 32);
    const many = Array.from({ length: 33 }, (_, i) => member(`0x${(i + 1).toString(16).padStart(40, "0")}`));
    await expect(set.setCustodians(many, 1))
      .to.be.revertedWithCustomError(custodianSet, "CustodianSetInvalidSize")
      .withArgs(33, 32);
    for (const k of [0, 3]) {
      await expect(set.setCustodians([a, b], k))
        .to.be.revertedWithCustomError(custodianSet, "CustodianSetInvalidThreshold")
        .withArgs(k, 2);
    }
    await expect(set.setCustodians([a, { ...b, account: ZeroAddress }], 1))
      .to.be.revertedWithCustomError(custodianSet, "CustodianSetZeroAccount")
      .withArgs(1);
    await expect(set.setCustodians([a, { ...b, account: a.account }], 1))
      .to.be.revertedWithCustomError(custodianSet, "CustodianSetDuplicateAccount")
      .withArgs(a.account);
    await expect(set.setCustodians([a, { ...b, publicKey: "0x1234" }], 1))
      .to.be.revertedWithCustomError(custodianSet, "CustodianSetInvalidPublicKey")
      .withArgs(1, "0x1234");
    await expect(set.setCustodians([a, { ...b, publicKey: a.publicKey }], 1))
      .to.be.revertedWithCustomError(custodianSet, "CustodianSetDuplicatePublicKey")
      .withArgs(1, a.publicKey);
    await expect(custodianSet.connect(outsider).setCustodians([a], 1))
      .to.be.revertedWithCustomError(custodianSet, "CustodianSetNotTimelock")
      .withArgs(outsider.address);
    expect(await custodianSet.currentVersion()).to.equal(1n);
  });

  it("deploys empty (version 0, nobody seated), and refuses a zero timelock or unmatched key lists", async function () {
    const { deployer, outsider } = await loadFixture(escrowFixture);
    const factory = new CustodianSet__factory(deployer);
    const empty = await factory.deploy(outsider, [], [], 5);
    expect([await empty.currentVersion(), await empty.threshold(), await empty.isCustodian(ZeroAddress)]).to.deep.equal(
      [0n, 0n, false],
    );
    await expect(factory.deploy(ZeroAddress, [], [], 1)).to.be.revertedWithCustomError(
      factory,
      "CustodianSetZeroTimelock",
    );
    await expect(factory.deploy(outsider, [outsider.address], [], 1))
      .to.be.revertedWithCustomError(factory, "CustodianSetLengthMismatch")
      .withArgs(1, 0);
  });
});
