import { ethers, ignition } from "hardhat";
import { impersonateAccount, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import DataCoopModule from "../../deploy/modules/DataCoop";
import DataCoopLocalModule from "../../deploy/modules/DataCoopLocal";
import localParameters from "../../deploy/parameters/hardhat.json";
import {
  AccessEscrow__factory,
  ContributionRegistry__factory,
  CustodianSet__factory,
  CoopGovernor__factory,
  CoopTimelock__factory,
  CoopToken__factory,
  MockUSDC__factory,
  RevenueDistributor__factory,
} from "../../typechain-types";
import { type DataCoop, connectDataCoop } from "../../src/roles";

export type ModuleParameters = Record<string, string | number | bigint | boolean | string[]>;

/**
 * Deploys the system exactly as `npx hardhat ignition deploy deploy/modules/DataCoopLocal.ts
 * --parameters deploy/parameters/hardhat.json` does, plus `overrides`, and returns typed contracts and the
 * signers that play each role (validators and custodians are the accounts named in the parameter file).
 * With `settlementToken` (the address of a mintable test token) it deploys the `DataCoop` module paid in that
 * token instead of a fresh mock USDC; `usdc` is then that token.
 */
export async function deploySystem(overrides: ModuleParameters = {}, settlementToken?: string) {
  const parameters = { ...localParameters.DataCoopLocal, ...overrides };
  const deployed =
    settlementToken === undefined
      ? await ignition.deploy(DataCoopLocalModule, { parameters: { DataCoopLocal: parameters } })
      : {
          usdc: { getAddress: async () => settlementToken },
          ...(await ignition.deploy(DataCoopModule, { parameters: { DataCoop: { ...parameters, settlementToken } } })),
        };
  const signers = await ethers.getSigners();
  const [deployer] = signers;
  const bySigner = (address: string): HardhatEthersSigner => {
    const signer = signers.find((s) => s.address.toLowerCase() === address.toLowerCase());
    if (!signer) throw new Error(`No local signer for ${address}: the parameter file names an unknown account.`);
    return signer;
  };
  const at = async (contract: { getAddress(): Promise<string> }) => contract.getAddress();
  return {
    deployer,
    signers,
    validators: (parameters.validators as string[]).map(bySigner),
    /** The custodians of the first set, in share order (2-of-3 on local networks). */
    custodians: (parameters.custodians as string[]).map(bySigner),
    /** The first custodian, for tests that need one (the deployer when the parameters appoint none). */
    custodian: bySigner((parameters.custodians as string[])[0] ?? deployer.address),
    usdc: MockUSDC__factory.connect(await at(deployed.usdc), deployer),
    timelock: CoopTimelock__factory.connect(await at(deployed.timelock), deployer),
    token: CoopToken__factory.connect(await at(deployed.token), deployer),
    governor: CoopGovernor__factory.connect(await at(deployed.governor), deployer),
    distributor: RevenueDistributor__factory.connect(await at(deployed.distributor), deployer),
    registry: ContributionRegistry__factory.connect(await at(deployed.registry), deployer),
    escrow: AccessEscrow__factory.connect(await at(deployed.escrow), deployer),
    custodianSet: CustodianSet__factory.connect(await at(deployed.custodianSet), deployer),
  };
}

export type System = Awaited<ReturnType<typeof deploySystem>>;

/** The deployed system connected through the role library, on the in-process network. */
export async function connectSystem(system: System): Promise<DataCoop> {
  return connectDataCoop(
    {
      registry: await system.registry.getAddress(),
      escrow: await system.escrow.getAddress(),
      governor: await system.governor.getAddress(),
    },
    ethers.provider,
  );
}

/** `address` as a funded signer on the in-process network (tests and benchmarks only). */
export async function impersonate(address: string): Promise<HardhatEthersSigner> {
  await impersonateAccount(address);
  await setBalance(address, ethers.parseEther("100"));
  return ethers.getSigner(address);
}

/**
 * The timelock as a signer, for timelock-only setters in unit tests and benchmarks. Integration tests go
 * through real proposals (`passProposal`); this shortcut only skips the vote, never the access check.
 */
export async function timelockSigner(system: Pick<System, "timelock">): Promise<HardhatEthersSigner> {
  return impersonate(await system.timelock.getAddress());
}
