import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, concat, keccak256, toBeHex, toBigInt, zeroPadValue } from "ethers";
import localParameters from "../deploy/parameters/hardhat.json";
import { AccessEscrow__factory, IAccessEscrow__factory } from "../typechain-types";
import {
  DAY,
  DEFAULT_REQUEST,
  Purpose,
  RESEARCH_TERMS,
  Status,
  escrowFixture,
  publicKeyOf,
  requestAccess,
  timeOf,
  usdc,
} from "./support/escrow";
import { SECP256K1_P as P } from "./support/constants";

const UINT128_MAX = (1n << 128n) - 1n;

describe("AccessEscrow: requests", function () {
  describe("deployment", function () {
    it("is wired as the deployment module says: tokens, registry, distributor, timelock admin, custodian", async function () {
      const {
        escrow,
        usdc: token,
        token: coop,
        registry,
        distributor,
        timelock,
        custodian,
        custodianSet,
      } = await loadFixture(escrowFixture);
      expect(await escrow.settlementToken()).to.equal(await token.getAddress());
      expect(await escrow.governanceToken()).to.equal(await coop.getAddress());
      expect(await escrow.registry()).to.equal(await registry.getAddress());
      expect(await escrow.distributor()).to.equal(await distributor.getAddress());
      expect(await escrow.timelock()).to.equal(await timelock.getAddress());
      expect(await escrow.treasury()).to.equal(await timelock.getAddress()); // zero treasury → timelock
      expect(await escrow.treasuryShareBps()).to.equal(500n);
      expect(await escrow.decisionPeriod()).to.equal(DAY);
      expect(await escrow.deliveryPeriod()).to.equal(DAY);
      expect(await escrow.hasRole(ZeroHash, timelock)).to.equal(true);
      expect(await escrow.custodianSet()).to.equal(await custodianSet.getAddress());
      expect(await custodianSet.isCustodian(custodian)).to.equal(true);
      expect(await distributor.hasRole(await distributor.DEPOSITOR_ROLE(), escrow)).to.equal(true);
      expect(await escrow.heldFees()).to.equal(0n);
      expect(await escrow.requestCount()).to.equal(0n);
      const [custodians, threshold] = await custodianSet.custodiansAt(1);
      expect(custodians.map((c) => [c.account, c.publicKey])).to.deep.equal(
        localParameters.DataCoopLocal.custodians.map((a, i) => [
          a,
          localParameters.DataCoopLocal.custodianPublicKeys[i],
        ]),
      );
      expect(threshold).to.equal(BigInt(localParameters.DataCoopLocal.custodianThreshold));
    });

    it("rejects a zero address, a block-number clock, a foreign distributor and out-of-range parameters", async function () {
      const {
        usdc: token,
        token: coop,
        registry,
        distributor,
        timelock,
        deployer,
        custodianSet,
      } = await loadFixture(escrowFixture);
      const factory = new AccessEscrow__factory(deployer);
      type Args = Parameters<typeof factory.deploy>;
      const config = { treasuryShareBps: 500n, decisionPeriod: DAY, deliveryPeriod: DAY };
      const args: Args = [token, coop, registry, distributor, timelock, ZeroAddress, config, custodianSet];
      /** The constructor arguments with argument `index` replaced. */
      const deployWith = (index: number, value: Args[number]) => {
        const changed = [...args] as Args;
        changed[index] = value;
        return factory.deploy(...changed);
      };

      for (const i of [0, 1, 2, 3, 4, 7]) {
        await expect(deployWith(i, ZeroAddress)).to.be.revertedWithCustomError(factory, "EscrowZeroAddress");
      }
      const blockClock = await ethers.deployContract("BlockClockVotesToken");
      await expect(deployWith(1, blockClock)).to.be.revertedWithCustomError(factory, "EscrowClockNotTimestamp");
      const otherToken = await ethers.deployContract("MockUSDC");
      await expect(deployWith(0, otherToken))
        .to.be.revertedWithCustomError(factory, "EscrowSettlementTokenMismatch")
        .withArgs(await otherToken.getAddress(), await token.getAddress());
      await expect(deployWith(6, { ...config, treasuryShareBps: 2001n }))
        .to.be.revertedWithCustomError(factory, "EscrowTreasuryShareTooHigh")
        .withArgs(2001n, 2000n);
      await expect(deployWith(6, { ...config, decisionPeriod: 3599n }))
        .to.be.revertedWithCustomError(factory, "EscrowPeriodOutOfRange")
        .withArgs(3599n, 3600n, 365n * DAY);
      await expect(deployWith(6, { ...config, deliveryPeriod: 366n * DAY }))
        .to.be.revertedWithCustomError(factory, "EscrowPeriodOutOfRange")
        .withArgs(366n * DAY, 3600n, 365n * DAY);
      // The unchanged arguments deploy: each failure above is due to the one argument changed.
      expect(await (await factory.deploy(...args)).timelock()).to.equal(await timelock.getAddress());
    });

    it("sets an explicit treasury when given", async function () {
      const {
        usdc: token,
        token: coop,
        registry,
        distributor,
        timelock,
        deployer,
        outsider,
        custodianSet,
      } = await loadFixture(escrowFixture);
      const escrow = await new AccessEscrow__factory(deployer).deploy(
        token,
        coop,
        registry,
        distributor,
        timelock,
        outsider,
        { treasuryShareBps: 0n, decisionPeriod: 2n * DAY, deliveryPeriod: 3n * DAY },
        custodianSet,
      );
      expect(await escrow.treasury()).to.equal(outsider.address);
      expect(await escrow.supportsInterface("0x7965db0b")).to.equal(true); // IAccessControl
      expect(await escrow.supportsInterface("0xffffffff")).to.equal(false);
    });

    it("reports IAccessEscrow and AccessControl through ERC-165, and nothing else", async function () {
      const { escrow } = await loadFixture(escrowFixture);
      let interfaceId = 0n;
      IAccessEscrow__factory.createInterface().forEachFunction((f) => (interfaceId ^= toBigInt(f.selector)));
      expect(await escrow.supportsInterface(toBeHex(interfaceId, 4))).to.equal(true);
      expect(await escrow.supportsInterface("0x7965db0b")).to.equal(true); // IAccessControl
      expect(await escrow.supportsInterface("0x01ffc9a7")).to.equal(true); // IERC165
      expect(await escrow.supportsInterface("0xdeadbeef")).to.equal(false);
    });
  });

  describe("requestAccess", function () {
    it("pulls the fee, records the request and emits everything off-chain readers need", async function () {
      const { escrow, usdc: token, buyer } = await loadFixture(escrowFixture);
      const key = publicKeyOf("buyer key");
      const before = await token.balanceOf(buyer);
      const { requestId, tx } = await requestAccess(escrow, buyer, { publicKey: key });
      const now = await timeOf(tx);

      expect(requestId).to.equal(1n);
      await expect(tx)
        .to.emit(escrow, "AccessRequested")
        .withArgs(
          1n,
          buyer.address,
          Purpose.RESEARCH,
          DEFAULT_REQUEST.amount,
          DEFAULT_REQUEST.duration,
          DEFAULT_REQUEST.termsHash,
          DEFAULT_REQUEST.termsURI,
          key,
          now + DAY,
          now + RESEARCH_TERMS.objectionWindow,
        );
      await expect(tx).to.changeTokenBalances(
        token,
        [buyer, escrow],
        [-DEFAULT_REQUEST.amount, DEFAULT_REQUEST.amount],
      );
      expect(await token.balanceOf(buyer)).to.equal(before - DEFAULT_REQUEST.amount);

      const r = await escrow.request(requestId);
      expect(r.buyer).to.equal(buyer.address);
      expect(r.purpose).to.equal(BigInt(Purpose.RESEARCH));
      expect(r.status).to.equal(Status.Pending);
      expect(r.requestedAt).to.equal(now);
      expect(r.duration).to.equal(DEFAULT_REQUEST.duration);
      expect(r.amount).to.equal(DEFAULT_REQUEST.amount);
      expect(r.decisionDeadline).to.equal(now + DAY);
      expect(r.objectionDeadline).to.equal(now + RESEARCH_TERMS.objectionWindow);
      expect(r.objectionThresholdBps).to.equal(RESEARCH_TERMS.objectionThresholdBps);
      expect(r.deliveryDeadline).to.equal(0n);
      expect(r.deliveredAt).to.equal(0n);
      expect(r.termsHash).to.equal(DEFAULT_REQUEST.termsHash);
      expect(r.buyerKeyHash).to.equal(keccak256(key));
      expect([r.roundStart, r.roundVersion, r.postedMask, r.posts, r.setHash]).to.deep.equal([
        0n,
        0n,
        0n,
        0n,
        ZeroHash,
      ]);
      expect(await escrow.heldFees()).to.equal(DEFAULT_REQUEST.amount);
      expect(await escrow.requestCount()).to.equal(1n);
    });

    it("numbers requests from 1 and adds every fee to heldFees", async function () {
      const { escrow, usdc: token, buyer, buyer2 } = await loadFixture(escrowFixture);
      const a = await requestAccess(escrow, buyer, { amount: usdc(10) });
      const b = await requestAccess(escrow, buyer2, { amount: usdc(25), purpose: Purpose.AI_TRAINING });
      expect([a.requestId, b.requestId]).to.deep.equal([1n, 2n]);
      expect(await escrow.heldFees()).to.equal(usdc(35));
      expect(await token.balanceOf(escrow)).to.equal(usdc(35));
    });

    it("is optimistic only when it meets enabled standing terms: price, duration", async function () {
      const { escrow, buyer } = await loadFixture(escrowFixture);
      const cases: { input: Parameters<typeof requestAccess>[2]; optimistic: boolean }[] = [
        { input: { amount: RESEARCH_TERMS.minPrice, duration: RESEARCH_TERMS.maxDuration }, optimistic: true },
        { input: { amount: RESEARCH_TERMS.minPrice - 1n }, optimistic: false },
        { input: { duration: RESEARCH_TERMS.maxDuration + 1n }, optimistic: false },
        { input: { purpose: Purpose.AI_TRAINING }, optimistic: false }, // no standing terms
      ];
      for (const { input, optimistic } of cases) {
        const { requestId } = await requestAccess(escrow, buyer, input);
        const r = await escrow.request(requestId);
        expect(
          r.objectionDeadline !== 0n,
          JSON.stringify(input, (_, v) => String(v)),
        ).to.equal(optimistic);
        expect(r.objectionThresholdBps).to.equal(optimistic ? RESEARCH_TERMS.objectionThresholdBps : 0n);
      }
    });

    it("accepts compressed and uncompressed secp256k1 keys", async function () {
      const { escrow, buyer } = await loadFixture(escrowFixture);
      for (const key of [publicKeyOf("a", true), publicKeyOf("b", false), publicKeyOf("c", true)]) {
        const { requestId } = await requestAccess(escrow, buyer, { publicKey: key });
        expect((await escrow.request(requestId)).buyerKeyHash).to.equal(keccak256(key));
      }
    });

    it("rejects a malformed public key: length, prefix, range, off the curve", async function () {
      const { escrow, buyer } = await loadFixture(escrowFixture);
      const good = publicKeyOf("k", false);
      const x = `0x${good.slice(4, 68)}`;
      const y = BigInt(`0x${good.slice(68)}`);
      const bad = [
        "0x",
        `0x${publicKeyOf("k", true).slice(4)}`, // 32 bytes
        `0x04${publicKeyOf("k", true).slice(4)}`, // 33 bytes, wrong prefix for compressed
        `0x02${publicKeyOf("k", false).slice(4)}`, // 65 bytes, wrong prefix for uncompressed
        concat(["0x02", toBeHex(P, 32)]), // x out of range
        concat(["0x04", x, zeroPadValue(toBeHex((y + 1n) % P), 32)]), // off the curve
        concat(["0x04", x, toBeHex(y, 32), "0x00"]), // 66 bytes
      ];
      for (const key of bad) {
        await expect(requestAccess(escrow, buyer, { publicKey: key }))
          .to.be.revertedWithCustomError(escrow, "EscrowInvalidPublicKey")
          .withArgs(key);
      }
      expect(await escrow.requestCount()).to.equal(0n);
    });

    it("refuses an uncompressed key whose x or y is not below the field prime", async function () {
      const { escrow, buyer } = await loadFixture(escrowFixture);
      const good = publicKeyOf("k", false);
      const x = `0x${good.slice(4, 68)}`;
      const y = `0x${good.slice(68)}`;
      for (const key of [concat(["0x04", toBeHex(P, 32), y]), concat(["0x04", x, toBeHex(P + 1n, 32)])]) {
        await expect(requestAccess(escrow, buyer, { publicKey: key }))
          .to.be.revertedWithCustomError(escrow, "EscrowInvalidPublicKey")
          .withArgs(key);
      }
      expect(await escrow.requestCount()).to.equal(0n);
    });

    it("rejects an undefined purpose, a zero or oversized fee, a zero duration and a zero terms hash", async function () {
      const { escrow, registry, usdc: token, buyer } = await loadFixture(escrowFixture);
      const defined = await registry.definedPurposes();
      expect(defined).to.equal(0b111111n);
      for (const purpose of [6, 15, 16, 255]) {
        await expect(requestAccess(escrow, buyer, { purpose }))
          .to.be.revertedWithCustomError(escrow, "EscrowUnknownPurpose")
          .withArgs(purpose, defined);
      }
      for (const amount of [0n, UINT128_MAX + 1n]) {
        await expect(requestAccess(escrow, buyer, { amount }))
          .to.be.revertedWithCustomError(escrow, "EscrowInvalidAmount")
          .withArgs(amount);
      }
      await expect(requestAccess(escrow, buyer, { duration: 0n }))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidDuration")
        .withArgs(0n);
      await expect(requestAccess(escrow, buyer, { termsHash: ZeroHash })).to.be.revertedWithCustomError(
        escrow,
        "EscrowZeroTermsHash",
      );
      expect(await escrow.requestCount()).to.equal(0n);
      expect(await escrow.heldFees()).to.equal(0n);
      expect(await token.balanceOf(escrow)).to.equal(0n);
    });

    it("fails with the token's error when the buyer has not approved or cannot pay, and records nothing", async function () {
      const { escrow, usdc: token, outsider } = await loadFixture(escrowFixture);
      await expect(requestAccess(escrow, outsider))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(await escrow.getAddress(), 0n, DEFAULT_REQUEST.amount);
      await token.connect(outsider).approve(escrow, DEFAULT_REQUEST.amount);
      await expect(requestAccess(escrow, outsider))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(outsider.address, 0n, DEFAULT_REQUEST.amount);
      expect(await escrow.requestCount()).to.equal(0n);
      expect(await escrow.heldFees()).to.equal(0n);
    });

    it("keeps the standing terms a request was made under, whatever governance sets later", async function () {
      const { escrow, admin, buyer } = await loadFixture(escrowFixture);
      const { requestId } = await requestAccess(escrow, buyer);
      const before = await escrow.request(requestId);
      await escrow.connect(admin).setStandingTerms(Purpose.RESEARCH, {
        ...RESEARCH_TERMS,
        objectionWindow: 5n * 3600n,
        objectionThresholdBps: 1n,
      });
      await escrow.connect(admin).setDecisionPeriod(2n * DAY);
      const after = await escrow.request(requestId);
      expect(after.objectionDeadline).to.equal(before.objectionDeadline);
      expect(after.objectionThresholdBps).to.equal(before.objectionThresholdBps);
      expect(after.decisionDeadline).to.equal(before.decisionDeadline);
    });
  });

  describe("views of unknown requests", function () {
    it("report status None, an inactive empty grant and no objections", async function () {
      const { escrow } = await loadFixture(escrowFixture);
      const r = await escrow.request(42n);
      expect(r.status).to.equal(Status.None);
      expect(r.buyer).to.equal(ZeroAddress);
      const g = await escrow.grant(42n);
      expect([g.buyer, g.start, g.expiry, g.active, g.setHash]).to.deep.equal([ZeroAddress, 0n, 0n, false, ZeroHash]);
      expect(await escrow.isGrantActive(42n)).to.equal(false);
      expect(await escrow.objections(42n)).to.deep.equal([0n, 0n]);
      expect(await escrow.hasObjected(42n, ZeroAddress)).to.equal(false);
    });
  });
});
