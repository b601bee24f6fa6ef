import type { DataCoopContractName } from "../abi/names";
import type { Address } from "../codec/address";

/** The address of every deployable DataCoop contract on one chain (EIP-55 checksummed). */
export type DeployedContracts = Readonly<Record<DataCoopContractName, Address>>;

/** One deployment of the DataCoop system. */
export interface Deployment {
  /** The chain it lives on. */
  readonly chainId: number;
  /** The Ignition module that deployed it (`DataCoop`, or `DataCoopLocal` on a local chain). */
  readonly module: string;
  /** Where each contract lives. */
  readonly contracts: DeployedContracts;
}
