/**
 * A viem-only integrator's program: compiled against the packed `@datacoop/protocol` with strict
 * TypeScript and no cast, in a project where ethers is not installed, then run against a local node
 * where DataCoopLocal was deployed with Ignition. It reads state, funds a buyer with the local
 * settlement token, signs an attestation with a local validator key, contributes, and decodes custom
 * errors from failed calls.
 *
 * Environment: DATACOOP_RPC_URL (the node), DATACOOP_DEPLOYED_ADDRESSES (Ignition's deployed_addresses.json).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

import { createPublicClient, createWalletClient, defineChain, http, keccak256, toBytes, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

import {
  CONTRIBUTION_STATUS,
  REQUEST_STATUS,
  decodeError,
  deploymentFromIgnition,
  type Deployment,
  type RequestStatus,
} from "@datacoop/protocol";
import {
  attestationTypedData,
  getDataCoopContracts,
  orderSignatures,
  proposalDescriptionHash,
  readProposalState,
  signAttestation,
} from "@datacoop/protocol/viem";
import { LOCAL_SETTLEMENT_TOKEN_FUTURE, mockUsdcAbi } from "@datacoop/protocol/testing";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name} (the consumer test script does).`);
  return value;
}

// ethers is not installed here, and nothing above needed it.
await assert.rejects(import("ethers" as string), "ethers is absent from node_modules");

const MNEMONIC = "test test test test test test test test test test test junk";
const rpcUrl = env("DATACOOP_RPC_URL");
const local = defineChain({
  id: 31337,
  name: "Local",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [rpcUrl] } },
});
const publicClient = createPublicClient({ chain: local, transport: http(rpcUrl) });
const contributor = mnemonicToAccount(MNEMONIC, { addressIndex: 1 });
const walletClient = createWalletClient({ chain: local, transport: http(rpcUrl), account: contributor });

const deployedAddresses = JSON.parse(await readFile(env("DATACOOP_DEPLOYED_ADDRESSES"), "utf8")) as Record<string, Hex>;
const deployment: Deployment = deploymentFromIgnition(deployedAddresses, await publicClient.getChainId());
const {
  CoopToken: token,
  ContributionRegistry: registry,
  AccessEscrow: escrow,
  CoopGovernor: governor,
} = getDataCoopContracts(deployment, { public: publicClient, wallet: walletClient });

// Reads, typed from the `as const` ABIs: viem infers names, arguments and results.
const name: string = await token.read.name();
const purposes: number = await registry.read.definedPurposes();
assert.equal(name, "DataCoop");
assert.equal(purposes, 0b111111);
assert.equal(await escrow.read.registry(), deployment.contracts.ContributionRegistry);
// A function the registry does not have is a type error (never called: viem's `read` is a proxy).
// @ts-expect-error: `noSuchFunction` is not in the registry's ABI.
export const misspelt = () => registry.read.noSuchFunction();
console.log(`ok: viem read ${name} and purposes ${purposes.toString(2)}`);

// Enum values are numbers, as viem returns a uint8.
const pending: RequestStatus = REQUEST_STATUS.Pending;
assert.equal(pending, 1);

// A local buyer is funded from the package (local chains only: the mock token's mint is open).
const buyer = mnemonicToAccount(MNEMONIC, { addressIndex: 2 });
const usdc = deployedAddresses[LOCAL_SETTLEMENT_TOKEN_FUTURE];
assert.ok(usdc, `${LOCAL_SETTLEMENT_TOKEN_FUTURE} is in deployed_addresses.json`);
const mint = await walletClient.writeContract({
  address: usdc,
  abi: mockUsdcAbi,
  functionName: "mint",
  args: [buyer.address, 250_000_000n],
});
await publicClient.waitForTransactionReceipt({ hash: mint });
const balance: bigint = await publicClient.readContract({
  address: usdc,
  abi: mockUsdcAbi,
  functionName: "balanceOf",
  args: [buyer.address],
});
assert.equal(balance, 250_000_000n);
console.log("ok: funded a local buyer with 250 mock USDC");

// A validator (Hardhat account 17) signs with its local key; the contributor registers.
const validator = mnemonicToAccount(MNEMONIC, { addressIndex: 17 });
const chainId = await publicClient.getChainId();
const latest = await publicClient.getBlock();
const attestation = {
  contributor: contributor.address,
  contentHash: keccak256(toBytes("viem consumer ciphertext")),
  sourceHash: keccak256(toBytes("viem consumer source")),
  units: 500,
  quality: 9000,
  scorerVersion: 1,
  deadline: latest.timestamp + 3600n,
};
const signed = await signAttestation(validator, chainId, registry.address, attestation);
const typed = attestationTypedData(chainId, registry.address, attestation);
const signatures: `0x${string}`[] = orderSignatures([signed]);
const hash = await registry.write.contribute([typed.message, signatures, 0b101, "file://viem-consumer"]);
assert.equal((await publicClient.waitForTransactionReceipt({ hash })).status, "success");
const stored = await registry.read.contribution([attestation.contentHash]);
assert.equal(stored.owner, contributor.address);
assert.equal(stored.status, CONTRIBUTION_STATUS.Active);
console.log(`ok: contributed with ${signed.validator}'s attestation (status ${stored.status})`);

// Failed calls decode to the contract's custom errors, typed by name.
const duplicate = await registry.simulate
  .contribute([typed.message, signatures, 0b101, "file://again"], { account: contributor })
  .then(
    () => undefined,
    (error: unknown) => error,
  );
const decoded = decodeError(duplicate, { contract: "ContributionRegistry" });
assert.ok(decoded, "the duplicate contribution reverts with revert data");
assert.equal(decoded.name, "RegistryDuplicateContent");
if (decoded.name === "RegistryDuplicateContent") {
  const contentHash: Hex = decoded.args.contentHash;
  assert.equal(contentHash, attestation.contentHash);
}
console.log(`ok: decoded ${decoded.signature} from viem's error`);

// Governor helpers: the description hash, and a nonexistent proposal's error.
assert.equal(proposalDescriptionHash("Approve request #1"), keccak256(toBytes("Approve request #1")));
const missing = await readProposalState(governor, 1n).then(
  () => undefined,
  (error: unknown) => error,
);
assert.equal(decodeError(missing)?.name, "GovernorNonexistentProposal");
console.log("ok: proposal helpers and GovernorNonexistentProposal decoded");
