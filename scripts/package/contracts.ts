/**
 * The contracts the `@datacoop/protocol` package ships. The deployable ones are named once, in
 * `src/abi/names.ts`; their ABIs, TypeChain types and factories, deployed addresses and error decoding
 * all start from that list. Mocks and libraries are never on it.
 */
import { DATACOOP_CONTRACTS } from "../../src/abi/names";

export interface PackagedContract {
  /** Contract name, as in the artifact. */
  readonly name: string;
  /** Solidity source, relative to the repository root. */
  readonly source: string;
}

/** Every contract the Ignition module deploys, in deployment order (each in `contracts/<Name>.sol`). */
export const DEPLOYABLE_CONTRACTS: readonly PackagedContract[] = DATACOOP_CONTRACTS.map((name) => ({
  name,
  source: `contracts/${name}.sol`,
}));

/** The documented `I<Name>` interfaces the deployable contracts implement. */
export const INTERFACE_CONTRACTS: readonly PackagedContract[] = [
  { name: "ICoopToken", source: "contracts/interfaces/ICoopToken.sol" },
  { name: "IRevenueDistributor", source: "contracts/interfaces/IRevenueDistributor.sol" },
  { name: "IContributionRegistry", source: "contracts/interfaces/IContributionRegistry.sol" },
  { name: "ICustodianSet", source: "contracts/interfaces/ICustodianSet.sol" },
  { name: "IAccessEscrow", source: "contracts/interfaces/IAccessEscrow.sol" },
];

/** Chains whose deployments stay out of the package: the ephemeral local Hardhat chain. */
export const EXCLUDED_CHAIN_IDS: readonly number[] = [31337];
