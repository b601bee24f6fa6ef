import { ethers } from "hardhat";
import { impersonateAccount, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deploySystem, type System } from "../../scripts/lib/system";

export { deploySystem, type System };

export const INITIAL_SUPPLY = ethers.parseEther("1000000");

/** The system with an initial supply held by the deployer, for governance-only tests. */
export async function governanceFixture() {
  const system = await deploySystem({ initialSupply: INITIAL_SUPPLY });
  const [deployer, alice, bob, carol, dave] = system.signers;
  return { ...system, deployer, alice, bob, carol, dave };
}

/** The system as deployed, with no initial supply: tokens exist only as contribution rewards. */
export async function systemFixture() {
  const system = await deploySystem();
  const [, alice, bob, carol, dave, eve] = system.signers;
  return { ...system, alice, bob, carol, dave, eve };
}

/**
 * The timelock as a signer, for unit tests of timelock-only setters. Integration tests go through real
 * proposals (`passProposal`); this shortcut only skips the vote, never the access check.
 */
export async function timelockSigner(system: Pick<System, "timelock">): Promise<HardhatEthersSigner> {
  const address = await system.timelock.getAddress();
  await impersonateAccount(address);
  await setBalance(address, ethers.parseEther("10"));
  return ethers.getSigner(address);
}
