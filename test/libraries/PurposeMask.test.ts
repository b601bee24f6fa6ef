import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import { PurposeMaskHarness__factory } from "../../typechain-types";

async function harness() {
  const [deployer] = await ethers.getSigners();
  return new PurposeMaskHarness__factory(deployer).deploy();
}

describe("PurposeMask", function () {
  it("holds 16 purposes: ids 0..15 and nothing above", async function () {
    const mask = await loadFixture(harness);
    expect(await mask.count()).to.equal(16n);
    for (let id = 0; id < 16; id++) expect(await mask.isId(id), `id ${id}`).to.equal(true);
    for (const id of [16n, 17n, 255n, 256n, MaxUint256]) expect(await mask.isId(id), `id ${id}`).to.equal(false);
  });

  it("reads exactly the bit of a purpose, and no purpose outside the mask even from a full mask", async function () {
    const mask = await loadFixture(harness);
    const sample = 0b1010_0000_0110_0101;
    for (let id = 0; id < 16; id++) {
      expect(await mask.holds(sample, id), `bit ${id} of ${sample}`).to.equal(((sample >> id) & 1) === 1);
      expect(await mask.holds(1 << id, id)).to.equal(true);
      expect(await mask.holds(0xffff ^ (1 << id), id)).to.equal(false);
    }
    for (const id of [16n, 31n, 255n, MaxUint256]) expect(await mask.holds(0xffff, id), `id ${id}`).to.equal(false);
  });
});
