import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { concat, toBeHex, toBigInt } from "ethers";
import { IAccessEscrow__factory } from "../../typechain-types";
import { escrowFixture, publicKeyOf, requestAccess } from "../helpers/escrow";

/** AccessEscrow paths the behaviour specs do not reach: ERC-165 and out-of-range coordinates of uncompressed keys. */

/** The secp256k1 field prime. */
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

describe("Coverage gaps: AccessEscrow", function () {
  it("reports IAccessEscrow and AccessControl through ERC-165, and nothing else", async function () {
    const { escrow } = await loadFixture(escrowFixture);
    let interfaceId = 0n;
    IAccessEscrow__factory.createInterface().forEachFunction((f) => (interfaceId ^= toBigInt(f.selector)));
    expect(await escrow.supportsInterface(toBeHex(interfaceId, 4))).to.equal(true);
    expect(await escrow.supportsInterface("0x7965db0b")).to.equal(true); // IAccessControl
    expect(await escrow.supportsInterface("0x01ffc9a7")).to.equal(true); // IERC165
    expect(await escrow.supportsInterface("0xdeadbeef")).to.equal(false);
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
});
