import { ethers } from "hardhat";
import localParameters from "../../deploy/parameters/hardhat.json";
import { deploySystem, timelockSigner, type System } from "./system";

export { deploySystem, timelockSigner, type System };

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

/** A ContributionRegistry constructor configuration: the local deployment's rate and bounds, with `threshold`. */
export function registryConfig(threshold: number) {
  return {
    rewardRate: BigInt(localParameters.DataCoopLocal.rewardRate),
    attestationThreshold: threshold,
    maxUnitsPerAttestation: 2n ** 26n,
    mintBudget: BigInt(localParameters.DataCoopLocal.mintBudget),
    mintPeriod: BigInt(localParameters.DataCoopLocal.mintPeriod),
  };
}
