import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import { CoopToken__factory } from "../typechain-types";

const CAP = ethers.parseEther("1000");

/** A bare token whose minter is an EOA, to test the token's own rules in isolation. */
async function tokenFixture() {
  const [deployer, minter, alice, bob, treasury] = await ethers.getSigners();
  const token = await new CoopToken__factory(deployer).deploy("DataCoop", "COOP", CAP, treasury, 0);
  await token.setMinter(minter);
  return { token, deployer, minter, alice, bob, treasury };
}

describe("CoopToken", function () {
  describe("deployment", function () {
    it("mints the optional initial supply to the treasury, within the cap", async function () {
      const [deployer, treasury] = await ethers.getSigners();
      const token = await new CoopToken__factory(deployer).deploy("DataCoop", "COOP", CAP, treasury, 400n);
      expect(await token.balanceOf(treasury)).to.equal(400n);
      expect(await token.totalSupply()).to.equal(400n);
      expect(await token.cap()).to.equal(CAP);
      expect(await token.minter()).to.equal(ZeroAddress);
    });

    it("rejects a zero cap and a cap above the votes limit", async function () {
      const [deployer, treasury] = await ethers.getSigners();
      const factory = new CoopToken__factory(deployer);
      await expect(factory.deploy("D", "D", 0, treasury, 0))
        .to.be.revertedWithCustomError(factory, "CoopTokenInvalidCap")
        .withArgs(0);
      const tooBig = 2n ** 208n;
      await expect(factory.deploy("D", "D", tooBig, treasury, 0))
        .to.be.revertedWithCustomError(factory, "CoopTokenInvalidCap")
        .withArgs(tooBig);
    });

    it("rejects an initial supply above the cap or without a treasury", async function () {
      const [deployer, treasury] = await ethers.getSigners();
      const factory = new CoopToken__factory(deployer);
      await expect(factory.deploy("D", "D", CAP, treasury, CAP + 1n))
        .to.be.revertedWithCustomError(factory, "CoopTokenInvalidInitialSupply")
        .withArgs(treasury.address, CAP + 1n, CAP);
      await expect(factory.deploy("D", "D", CAP, ZeroAddress, 1n))
        .to.be.revertedWithCustomError(factory, "CoopTokenInvalidInitialSupply")
        .withArgs(ZeroAddress, 1n, CAP);
    });

    it("uses a timestamp clock (ERC-6372)", async function () {
      const { token } = await loadFixture(tokenFixture);
      expect(await token.CLOCK_MODE()).to.equal("mode=timestamp");
      expect(await token.clock()).to.equal(await time.latest());
    });
  });

  describe("minter", function () {
    it("is set once, by the deployer only, never to zero", async function () {
      const [deployer, minter, other] = await ethers.getSigners();
      const token = await new CoopToken__factory(deployer).deploy("D", "D", CAP, deployer, 0);
      await expect(token.connect(other).setMinter(other))
        .to.be.revertedWithCustomError(token, "CoopTokenUnauthorizedWirer")
        .withArgs(other.address);
      await expect(token.setMinter(ZeroAddress)).to.be.revertedWithCustomError(token, "CoopTokenZeroMinter");
      await expect(token.setMinter(minter)).to.emit(token, "MinterSet").withArgs(minter.address);
      await expect(token.setMinter(other))
        .to.be.revertedWithCustomError(token, "CoopTokenMinterAlreadySet")
        .withArgs(minter.address);
      expect(await token.minter()).to.equal(minter.address);
    });

    it("nobody can mint before the minter is set", async function () {
      const [deployer, alice] = await ethers.getSigners();
      const token = await new CoopToken__factory(deployer).deploy("D", "D", CAP, deployer, 0);
      await expect(token.mint(alice, 1n))
        .to.be.revertedWithCustomError(token, "CoopTokenUnauthorizedMinter")
        .withArgs(deployer.address);
    });

    it("only the minter mints", async function () {
      const { token, deployer, alice } = await loadFixture(tokenFixture);
      await expect(token.connect(alice).mint(alice, 1n))
        .to.be.revertedWithCustomError(token, "CoopTokenUnauthorizedMinter")
        .withArgs(alice.address);
      await expect(token.connect(deployer).mint(alice, 1n))
        .to.be.revertedWithCustomError(token, "CoopTokenUnauthorizedMinter")
        .withArgs(deployer.address);
      expect(await token.totalSupply()).to.equal(0n);
    });
  });

  describe("cap", function () {
    it("cuts a mint to what remains and then mints nothing", async function () {
      const { token, minter, alice, bob } = await loadFixture(tokenFixture);
      await token.connect(minter).mint(alice, CAP - 10n);
      expect(await token.connect(minter).mint.staticCall(bob, 25n)).to.equal(10n);
      await expect(token.connect(minter).mint(bob, 25n)).to.changeTokenBalance(token, bob, 10n);
      expect(await token.totalSupply()).to.equal(CAP);
      expect(await token.connect(minter).mint.staticCall(bob, 1n)).to.equal(0n);
      await expect(token.connect(minter).mint(bob, 1n)).not.to.emit(token, "Transfer");
      expect(await token.totalSupply()).to.equal(CAP);
    });
  });

  describe("self-delegation on first reward", function () {
    it("delegates a never-delegated account to itself when rewards first reach it", async function () {
      const { token, minter, alice } = await loadFixture(tokenFixture);
      expect(await token.delegates(alice)).to.equal(ZeroAddress);
      await expect(token.connect(minter).mint(alice, 100n))
        .to.emit(token, "DelegateChanged")
        .withArgs(alice.address, ZeroAddress, alice.address);
      expect(await token.delegates(alice)).to.equal(alice.address);
      expect(await token.getVotes(alice)).to.equal(100n);
    });

    it("counts tokens received by transfer before the first reward", async function () {
      const { token, minter, alice, bob } = await loadFixture(tokenFixture);
      await token.connect(minter).mint(alice, 100n);
      await token.connect(alice).transfer(bob, 30n);
      expect(await token.getVotes(bob)).to.equal(0n);
      await token.connect(minter).mint(bob, 5n);
      expect(await token.getVotes(bob)).to.equal(35n);
    });

    it("never overrides an explicit delegate", async function () {
      const { token, minter, alice, bob } = await loadFixture(tokenFixture);
      await token.connect(alice).delegate(bob);
      await expect(token.connect(minter).mint(alice, 100n)).not.to.emit(token, "DelegateChanged");
      expect(await token.delegates(alice)).to.equal(bob.address);
      expect(await token.getVotes(bob)).to.equal(100n);
      expect(await token.getVotes(alice)).to.equal(0n);
    });

    it("never overrides an explicit choice to delegate to nobody", async function () {
      const { token, minter, alice, bob } = await loadFixture(tokenFixture);
      await token.connect(alice).delegate(bob);
      await token.connect(alice).delegate(ZeroAddress);
      await token.connect(minter).mint(alice, 100n);
      expect(await token.delegates(alice)).to.equal(ZeroAddress);
      expect(await token.getVotes(alice)).to.equal(0n);
      expect(await token.getVotes(bob)).to.equal(0n);
    });

    it("does not self-delegate when nothing is minted (at the cap)", async function () {
      const { token, minter, alice, bob } = await loadFixture(tokenFixture);
      await token.connect(minter).mint(alice, CAP);
      await token.connect(minter).mint(bob, 1n);
      expect(await token.delegates(bob)).to.equal(ZeroAddress);
    });
  });

  describe("permit", function () {
    it("approves by signature (ERC-2612) and consumes the nonce", async function () {
      const { token, minter, alice, bob } = await loadFixture(tokenFixture);
      await token.connect(minter).mint(alice, 100n);
      const deadline = (await time.latest()) + 3600;
      const domain = {
        name: "DataCoop",
        version: "1",
        chainId: (await ethers.provider.getNetwork()).chainId,
        verifyingContract: await token.getAddress(),
      };
      const types = {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      };
      const value = { owner: alice.address, spender: bob.address, value: 60n, nonce: 0n, deadline };
      const sig = ethers.Signature.from(await alice.signTypedData(domain, types, value));
      await token.permit(alice, bob, 60n, deadline, sig.v, sig.r, sig.s);
      expect(await token.allowance(alice, bob)).to.equal(60n);
      expect(await token.nonces(alice)).to.equal(1n);
    });
  });
});
