/**
 * `@datacoop/protocol/viem`: the DataCoop contracts for viem. Contracts typed from the `as const` ABIs
 * (function names, arguments and results inferred by viem), attestations signed with a viem account or
 * wallet client, the enum tables with number values (viem decodes a `uint8` to a number), and the
 * Governor's proposal helpers. Only `viem` is imported; ethers need not be installed.
 */
import {
  type Account,
  type Chain,
  type Client,
  type GetContractReturnType,
  type LocalAccount,
  type Transport,
  type WalletClient,
  getContract,
} from "viem";

import { DATACOOP_ABIS } from "../abi";
import { DATACOOP_CONTRACTS, type DataCoopContractName } from "../abi/names";
import { type Address, getAddress } from "../codec/address";
import { type Hex, toHex } from "../codec/hex";
import type { DeployedContracts } from "../deployments/types";
import {
  ATTESTATION_PRIMARY_TYPE,
  ATTESTATION_TYPES,
  type Attestation,
  type AttestationDomain,
  type AttestationMessage,
  attestationDomain,
  toAttestationMessage,
} from "../protocol/attestation";
import { PROPOSAL_STATE, type ProposalStateName, enumName } from "../protocol/constants";

export {
  ATTESTATION_TYPES,
  attestationDigest,
  attestationDomain,
  orderSignatures,
  toAttestationMessage,
  type Attestation,
  type AttestationDomain,
  type AttestationMessage,
  type ValidatorSignature,
} from "../protocol/attestation";
export {
  CONTRIBUTION_STATUS,
  PROPOSAL_STATE,
  REQUEST_STATUS,
  VOTE_TYPE,
  enumName,
  type ContributionStatus,
  type ProposalState,
  type ProposalStateName,
  type RequestStatus,
} from "../protocol/constants";
export { proposalDescriptionHash, proposalId } from "../protocol/governance";

/** A viem client, or the `{ public, wallet }` pair `getContract` accepts. */
export type DataCoopClient =
  | Client
  | { readonly public: Client; readonly wallet?: Client }
  | { readonly public?: Client; readonly wallet: Client };

/** The viem contract instance of `Name` for `TClient` (`read`, `write`, `simulate`, ... as the client allows). */
export type DataCoopContract<Name extends DataCoopContractName, TClient extends DataCoopClient> = GetContractReturnType<
  (typeof DATACOOP_ABIS)[Name],
  TClient,
  Address
>;

/** Every deployed DataCoop contract as a viem contract instance. */
export type DataCoopContracts<TClient extends DataCoopClient> = {
  readonly [Name in DataCoopContractName]: DataCoopContract<Name, TClient>;
};

/**
 * One DataCoop contract as a viem contract instance (`registry.read.definedPurposes()`,
 * `registry.write.contribute([...])`), typed from its `as const` ABI.
 */
export function getDataCoopContract<Name extends DataCoopContractName, const TClient extends DataCoopClient>(
  name: Name,
  address: string,
  client: TClient,
): DataCoopContract<Name, TClient> {
  // viem infers the instance type from the literal ABI; the generic `Name` indexes it, which viem's own
  // generics cannot follow, so the result is stated with the same `GetContractReturnType`.
  const contract: unknown = getContract({ abi: DATACOOP_ABIS[name], address: getAddress(address), client });
  return contract as DataCoopContract<Name, TClient>;
}

/** Every contract of a deployment (`getDeployment(chainId)`, or `deploymentFromIgnition(...)` locally). */
export function getDataCoopContracts<const TClient extends DataCoopClient>(
  deployment: { readonly contracts: DeployedContracts },
  client: TClient,
): DataCoopContracts<TClient> {
  const entries = DATACOOP_CONTRACTS.map((name) => [
    name,
    getDataCoopContract(name, deployment.contracts[name], client),
  ]);
  return Object.fromEntries(entries) as DataCoopContracts<TClient>;
}

/** The EIP-712 typed data of an attestation, ready for viem's `signTypedData` and `verifyTypedData`. */
export interface AttestationTypedData {
  readonly domain: AttestationDomain;
  readonly types: typeof ATTESTATION_TYPES;
  readonly primaryType: typeof ATTESTATION_PRIMARY_TYPE;
  readonly message: AttestationMessage;
}

/**
 * The typed data a validator signs: `account.signTypedData(attestationTypedData(...))` or
 * `walletClient.signTypedData({ account, ...attestationTypedData(...) })`.
 */
export function attestationTypedData(
  chainId: bigint | number,
  registry: string,
  attestation: Attestation,
): AttestationTypedData {
  return {
    domain: attestationDomain(chainId, registry),
    types: ATTESTATION_TYPES,
    primaryType: ATTESTATION_PRIMARY_TYPE,
    message: toAttestationMessage(attestation),
  };
}

/** What signs an attestation: a local account (`privateKeyToAccount`) or a wallet client with an account. */
export type AttestationSigner = LocalAccount | WalletClient<Transport, Chain | undefined, Account>;

/**
 * Signs `attestation` for the registry at `registry` on `chainId` (EIP-712). Collect one per validator
 * and pass them through `orderSignatures` to `contribute`.
 */
export async function signAttestation(
  signer: AttestationSigner,
  chainId: bigint | number,
  registry: string,
  attestation: Attestation,
): Promise<{ validator: Address; signature: Hex }> {
  const typedData = attestationTypedData(chainId, registry, attestation);
  if ("signTypedData" in signer && "address" in signer && signer.type === "local") {
    return { validator: getAddress(signer.address), signature: toHex(await signer.signTypedData(typedData)) };
  }
  const client = signer as WalletClient<Transport, Chain | undefined, Account>;
  const signature = await client.signTypedData({ account: client.account, ...typedData });
  return { validator: getAddress(client.account.address), signature: toHex(signature) };
}

/** A Governor proposal's state, by value (as viem returns it) and by name. */
export interface ProposalStateInfo {
  readonly value: number;
  readonly name: ProposalStateName;
}

/** The state of `proposalId` on `governor` (`governor.read.state([id])`), with its name. */
export async function readProposalState(
  governor: { readonly read: { readonly state: (args: readonly [bigint]) => Promise<number> } },
  proposalId: bigint,
): Promise<ProposalStateInfo> {
  const value = await governor.read.state([proposalId]);
  const name = enumName(PROPOSAL_STATE, value);
  if (name === undefined)
    throw new RangeError(
      `The Governor returned proposal state ${value}, which OpenZeppelin's IGovernor does not define.`,
    );
  return { value, name };
}
