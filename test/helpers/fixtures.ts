import { ethers, ignition } from "hardhat";
import DataCoopModule from "../../deploy/modules/DataCoop";
import localParameters from "../../deploy/parameters/hardhat.json";
import { CoopGovernor__factory, CoopTimelock__factory, CoopToken__factory } from "../../typechain-types";

export type ModuleParameters = Record<string, string | number | bigint | boolean>;

/**
 * Deploys the system exactly as `npx hardhat ignition deploy deploy/modules/DataCoop.ts` does, with the
 * local parameter file plus `overrides`, and returns typed contracts and named signers.
 */
export async function deploySystem(overrides: ModuleParameters = {}) {
  const signers = await ethers.getSigners();
  const [deployer] = signers;
  const deployed = await ignition.deploy(DataCoopModule, {
    parameters: { DataCoop: { ...localParameters.DataCoop, ...overrides } },
  });
  const timelock = CoopTimelock__factory.connect(await deployed.timelock.getAddress(), deployer);
  const token = CoopToken__factory.connect(await deployed.token.getAddress(), deployer);
  const governor = CoopGovernor__factory.connect(await deployed.governor.getAddress(), deployer);
  return { deployer, signers, timelock, token, governor };
}

export const INITIAL_SUPPLY = ethers.parseEther("1000000");

/** The governance core with an initial supply held by the deployer, for governance-only tests. */
export async function governanceFixture() {
  const system = await deploySystem({ initialSupply: INITIAL_SUPPLY });
  const [deployer, alice, bob, carol, dave] = system.signers;
  return { ...system, deployer, alice, bob, carol, dave };
}
