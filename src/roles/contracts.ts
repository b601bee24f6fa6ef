import { getAddress, type Provider } from "ethers";

import {
  AccessEscrow__factory,
  ContributionRegistry__factory,
  CoopGovernor__factory,
  CoopTimelock__factory,
  CoopToken__factory,
  CustodianSet__factory,
  IERC20Metadata__factory,
  RevenueDistributor__factory,
  type AccessEscrow,
  type ContributionRegistry,
  type CoopGovernor,
  type CoopTimelock,
  type CoopToken,
  type CustodianSet,
  type IERC20Metadata,
  type RevenueDistributor,
} from "../typechain";
import type { Deployment } from "../deployments/types";
import { RoleError } from "./errors";
import type { ProgressListener } from "./progress";

/**
 * The three addresses every other contract of a deployment is reached from (a core `Deployment`'s
 * `contracts` has them: `ContributionRegistry`, `AccessEscrow`, `CoopGovernor`).
 */
export interface DataCoopAddresses {
  readonly registry: string;
  readonly escrow: string;
  readonly governor: string;
}

/** The addresses {@link connectDataCoop} starts from, out of a core `Deployment`. */
export function addressesOf(deployment: Pick<Deployment, "contracts">): DataCoopAddresses {
  const { ContributionRegistry, AccessEscrow, CoopGovernor } = deployment.contracts;
  return { registry: ContributionRegistry, escrow: AccessEscrow, governor: CoopGovernor };
}

/** A connected DataCoop deployment: every contract, typed, read-only (connect a signer to send). */
export interface DataCoop {
  readonly provider: Provider;
  readonly chainId: bigint;
  /** First block of the deployment: where event scans start. */
  readonly fromBlock: number;
  readonly registry: ContributionRegistry;
  readonly distributor: RevenueDistributor;
  readonly escrow: AccessEscrow;
  readonly governor: CoopGovernor;
  readonly token: CoopToken;
  readonly timelock: CoopTimelock;
  /** The k-of-n key custodians (set versions, public keys, threshold). */
  readonly custodianSet: CustodianSet;
  /** The settlement token fees are paid in (e.g. USDC). */
  readonly settlementToken: IERC20Metadata;
  /** Every address, checksummed. */
  readonly addresses: Readonly<
    Record<
      "registry" | "distributor" | "escrow" | "governor" | "token" | "timelock" | "settlementToken" | "custodianSet",
      string
    >
  >;
  /** Optional progress display for long operations. */
  readonly progress?: ProgressListener;
}

/** Options of {@link connectDataCoop}. */
export interface ConnectOptions {
  /** First block to scan for events; default 0. */
  readonly fromBlock?: number;
  /** Progress display for long operations. */
  readonly progress?: ProgressListener;
}

/**
 * Connects to a deployment from its registry, escrow and governor addresses: finds the others through
 * them and checks that they belong together, so a wrong or stale address fails here with a clear message.
 * @param addresses the registry, escrow and governor
 * @param provider a provider on the deployment's chain
 * @param options `fromBlock`, `progress`
 * @throws RoleError `CONFIG`
 */
export async function connectDataCoop(
  addresses: DataCoopAddresses,
  provider: Provider,
  options: ConnectOptions = {},
): Promise<DataCoop> {
  const { chainId } = await provider.getNetwork();
  const checked = {
    registry: await checkedContract(provider, chainId, "ContributionRegistry", "registry", addresses.registry),
    escrow: await checkedContract(provider, chainId, "AccessEscrow", "escrow", addresses.escrow),
    governor: await checkedContract(provider, chainId, "CoopGovernor", "governor", addresses.governor),
  };
  const registry = ContributionRegistry__factory.connect(checked.registry, provider);
  const escrow = AccessEscrow__factory.connect(checked.escrow, provider);
  const governor = CoopGovernor__factory.connect(checked.governor, provider);
  let linked: {
    token: string;
    distributor: string;
    timelock: string;
    settlement: string;
    escrowRegistry: string;
    custodianSet: string;
  };
  let governorLinks: { token: string; timelock: string };
  try {
    linked = {
      token: getAddress(await registry.token()),
      distributor: getAddress(await registry.distributor()),
      timelock: getAddress(await escrow.timelock()),
      settlement: getAddress(await escrow.settlementToken()),
      escrowRegistry: getAddress(await escrow.registry()),
      custodianSet: getAddress(await escrow.custodianSet()),
    };
    governorLinks = { token: getAddress(await governor.token()), timelock: getAddress(await governor.timelock()) };
  } catch (cause) {
    throw new RoleError(
      "CONFIG",
      `The contracts at registry ${checked.registry}, escrow ${checked.escrow} and governor ${checked.governor} on chain ${chainId} do not answer as a DataCoop deployment; check the addresses and the network.`,
      { cause },
    );
  }
  const mismatches: string[] = [];
  if (linked.escrowRegistry !== checked.registry) mismatches.push(`the escrow uses registry ${linked.escrowRegistry}`);
  if (governorLinks.token !== linked.token) mismatches.push(`the governor votes with token ${governorLinks.token}`);
  if (governorLinks.timelock !== linked.timelock)
    mismatches.push(`the governor uses timelock ${governorLinks.timelock}`);
  if (mismatches.length > 0) {
    throw new RoleError(
      "CONFIG",
      `The registry, escrow and governor given are not from one deployment: ${mismatches.join("; ")}. Pass addresses from the same deployment.`,
    );
  }
  return {
    provider,
    chainId,
    fromBlock: options.fromBlock ?? 0,
    registry,
    escrow,
    governor,
    distributor: RevenueDistributor__factory.connect(linked.distributor, provider),
    token: CoopToken__factory.connect(linked.token, provider),
    timelock: CoopTimelock__factory.connect(linked.timelock, provider),
    custodianSet: CustodianSet__factory.connect(linked.custodianSet, provider),
    settlementToken: IERC20Metadata__factory.connect(linked.settlement, provider),
    addresses: {
      registry: checked.registry,
      escrow: checked.escrow,
      governor: checked.governor,
      distributor: linked.distributor,
      token: linked.token,
      timelock: linked.timelock,
      settlementToken: linked.settlement,
      custodianSet: linked.custodianSet,
    },
    progress: options.progress,
  };
}

async function checkedContract(
  provider: Provider,
  chainId: bigint,
  contract: string,
  flag: string,
  address: string,
): Promise<string> {
  let checksummed: string;
  try {
    checksummed = getAddress(address);
  } catch (cause) {
    throw new RoleError(
      "CONFIG",
      `The ${contract} address ${JSON.stringify(address)} is not an address (0x + 40 hex digits); fix --${flag}.`,
      { cause },
    );
  }
  if ((await provider.getCode(checksummed)) === "0x") {
    throw new RoleError(
      "CONFIG",
      `No contract at the ${contract} address ${checksummed} on chain ${chainId}. Is the network right, and is the deployment current? A local node forgets its contracts when it stops: deploy again.`,
    );
  }
  return checksummed;
}
