import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress, toBeHex } from "ethers";
import { ContributionPackingHarness__factory } from "../../typechain-types";

const MAX_ADDRESS = getAddress(toBeHex(2n ** 160n - 1n, 20));
const UINT32_MAX = 2 ** 32 - 1;

/** The word `pack` must produce, from the bit-layout table of ContributionPacking.sol. */
function layout(owner: string, units: number, paid: number, quality: number, purposes: number, status: number) {
  return (
    BigInt(owner) |
    (BigInt(units) << 160n) |
    (BigInt(paid) << 192n) |
    (BigInt(quality) << 224n) |
    (BigInt(purposes) << 238n) |
    (BigInt(status) << 254n)
  );
}

async function harness() {
  const [deployer] = await ethers.getSigners();
  return new ContributionPackingHarness__factory(deployer).deploy();
}

describe("ContributionPacking", function () {
  it("packs every field at the bits its table names, each at its widest, and reads them back", async function () {
    const packing = await loadFixture(harness);
    const fields = [MAX_ADDRESS, UINT32_MAX, UINT32_MAX, 2 ** 14 - 1, 0xffff, 3] as const;
    const packed = await packing.pack(...fields);
    expect(packed).to.equal(layout(...fields));
    expect(packed).to.equal(2n ** 256n - 1n); // the fields fill the slot exactly
    const read = await packing.unpack(packed);
    expect([read.owner, read.units, read.paidUnits, read.quality, read.purposes, read.status]).to.deep.equal([
      MAX_ADDRESS,
      BigInt(UINT32_MAX),
      BigInt(UINT32_MAX),
      BigInt(2 ** 14 - 1),
      0xffffn,
      3n,
    ]);
  });

  it("keeps each field out of its neighbours: one field at its widest, the others read zero", async function () {
    const packing = await loadFixture(harness);
    const zero = [ethers.ZeroAddress, 0, 0, 0, 0, 0] as const;
    const widest = [MAX_ADDRESS, UINT32_MAX, UINT32_MAX, 2 ** 14 - 1, 0xffff, 3] as const;
    for (let field = 0; field < zero.length; field++) {
      const args = [...zero] as [string, number, number, number, number, number];
      (args as unknown[])[field] = widest[field];
      const read = await packing.unpack(await packing.pack(...args));
      const values = [BigInt(read.owner), read.units, read.paidUnits, read.quality, read.purposes, read.status];
      values.forEach((value, i) =>
        expect(value, `field ${i} with field ${field} set`).to.equal(i === field ? BigInt(widest[field]) : 0n),
      );
    }
  });

  it("weighs units × quality, up to (2^32 − 1) × 10,000 without overflow", async function () {
    const packing = await loadFixture(harness);
    const read = await packing.unpack(await packing.pack(MAX_ADDRESS, UINT32_MAX, 7, 10_000, 0b101, 1));
    expect(read.weight).to.equal(BigInt(UINT32_MAX) * 10_000n);
    expect(read.weight < 2n ** 46n).to.equal(true);
    expect((await packing.unpack(await packing.pack(MAX_ADDRESS, 1234, 0, 8000, 0, 1))).weight).to.equal(9_872_000n);
  });

  it("replaces purposes or status alone, leaving every other bit as it was", async function () {
    const packing = await loadFixture(harness);
    const packed = await packing.pack(MAX_ADDRESS, UINT32_MAX, 12345, 10_000, 0b101, 1);
    expect(await packing.withPurposes(packed, 0b1000_0000_0000_0010)).to.equal(
      layout(MAX_ADDRESS, UINT32_MAX, 12345, 10_000, 0b1000_0000_0000_0010, 1),
    );
    expect(await packing.withPurposes(packed, 0)).to.equal(layout(MAX_ADDRESS, UINT32_MAX, 12345, 10_000, 0, 1));
    for (const status of [0, 2, 3]) {
      expect(await packing.withStatus(packed, status)).to.equal(
        layout(MAX_ADDRESS, UINT32_MAX, 12345, 10_000, 0b101, status),
      );
    }
  });
});
