/**
 * An integrator's program, compiled against the packed `@datacoop/protocol` (ESM entry points) with
 * strict TypeScript, then run against a local node where the system was deployed with Ignition.
 *
 * Environment: DATACOOP_RPC_URL (the node), DATACOOP_DEPLOYED_ADDRESSES (Ignition's deployed_addresses.json).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

import { Interface, JsonRpcProvider, ZeroHash, keccak256, toUtf8Bytes } from "ethers";

import {
  ATTESTATION_TYPES,
  DATACOOP_CONTRACTS,
  DeploymentError,
  attestationDigest,
  attestationDomain,
  decodeError,
  deploymentFromIgnition,
  getDeployment,
  type Attestation,
  type DataCoopErrorName,
  type Deployment,
} from "@datacoop/protocol";
import { accessEscrowAbi, coopTokenAbi } from "@datacoop/protocol/abi";
import { AccessEscrow__factory, type IContributionRegistry } from "@datacoop/protocol/contracts";
import {
  CONTRIBUTION_STATUS,
  ContributionRegistry__factory,
  CoopToken__factory,
  signAttestation,
  type ContributionRegistry,
} from "@datacoop/protocol/ethers";
import { DEPLOYMENTS } from "@datacoop/protocol/deployments";
import { revertDataOf } from "@datacoop/protocol/errors";
import {
  defaultCurve,
  generateKeyPair,
  openContribution,
  recoverDataKey,
  sealContribution,
  unwrapDataKey,
} from "@datacoop/protocol/crypto";
import { SCORER_VERSION } from "@datacoop/protocol/export";
import { MANIFEST_VERSION } from "@datacoop/protocol/manifest";
import { LocalBlobStore } from "@datacoop/protocol/store";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name} (the consumer test script does).`);
  return value;
}

// Compile-time checks: literal ABI types and error names survive packaging.
const expectedError: DataCoopErrorName = "RegistryNotActive";
const firstAbiItemType: (typeof coopTokenAbi)[number]["type"] = coopTokenAbi[0].type;

const provider = new JsonRpcProvider(env("DATACOOP_RPC_URL"));
const { chainId } = await provider.getNetwork();
const deployment: Deployment = deploymentFromIgnition(
  JSON.parse(await readFile(env("DATACOOP_DEPLOYED_ADDRESSES"), "utf8")) as unknown,
  Number(chainId),
);
assert.deepEqual(Object.keys(deployment.contracts).sort(), [...DATACOOP_CONTRACTS].sort());

// Reads through the typed factories.
const token = CoopToken__factory.connect(deployment.contracts.CoopToken, provider);
const registry: ContributionRegistry = ContributionRegistry__factory.connect(
  deployment.contracts.ContributionRegistry,
  provider,
);
const escrow = AccessEscrow__factory.connect(deployment.contracts.AccessEscrow, provider);
assert.equal(await token.name(), "DataCoop");
assert.equal(await token.CLOCK_MODE(), "mode=timestamp");
const defined: bigint = await registry.definedPurposes();
assert.equal(defined, 0b111111n, "six purposes are seeded");
const [purposeName] = await registry.purposeInfo(2);
assert.equal(purposeName, "AI_TRAINING");
assert.equal(await escrow.registry(), deployment.contracts.ContributionRegistry);
console.log(`ok: read ${await token.symbol()} and ${defined.toString(2).length} purposes on chain ${chainId}`);

// The EIP-712 helper agrees with the registry.
const attestation: Attestation = {
  contributor: deployment.contracts.CoopTimelock,
  contentHash: keccak256(toUtf8Bytes("ciphertext")),
  sourceHash: keccak256(toUtf8Bytes("source")),
  units: 12,
  quality: 8000,
  scorerVersion: 1,
  deadline: 2n ** 40n,
};
const domain = attestationDomain(chainId, deployment.contracts.ContributionRegistry);
assert.equal(attestationDigest(domain, attestation), await registry.attestationDigest(attestation));
const none: IContributionRegistry.ContributionStructOutput = await registry.contribution(attestation.contentHash);
assert.equal(none.status, CONTRIBUTION_STATUS.None, "nothing is registered yet");
assert.equal(ATTESTATION_TYPES.Attestation.length, 7);
const validator = await provider.getSigner(17);
const signed = await signAttestation(validator, domain, attestation);
assert.equal(signed.validator, await validator.getAddress());
console.log("ok: attestation digest matches registry.attestationDigest; signed with an ethers Signer");

// A reverted call decodes to the contract's custom error, by name and arguments.
const caller = await provider.getSigner(1);
const unknown = keccak256(toUtf8Bytes("never registered"));
const reverted = await registry
  .connect(caller)
  .revoke.staticCall(unknown)
  .then(() => undefined)
  .catch((error: unknown) => error);
assert.ok(reverted !== undefined, "revoking an unknown contribution reverts");
const decoded = decodeError(reverted, { contract: "ContributionRegistry" });
assert.ok(decoded, `the revert decodes (data: ${revertDataOf(reverted) ?? "none"})`);
assert.equal(decoded.name, expectedError);
assert.equal(decoded.contract, "ContributionRegistry");
assert.equal(decoded.signature, "RegistryNotActive(bytes32,uint8)");
assert.equal(decoded.args[0], unknown);
assert.equal(decoded.args[1], 0n);
console.log(`ok: decoded ${decoded.signature} from a reverted call`);

// An inherited OpenZeppelin error, from a transaction a non-admin sends.
const denied = await registry
  .connect(caller)
  .setRewardRate(1n)
  .then(() => undefined)
  .catch((error: unknown) => error);
const accessError = decodeError(denied, { contract: "ContributionRegistry" });
assert.equal(accessError?.name, "AccessControlUnauthorizedAccount");
assert.equal(accessError?.args[0], await caller.getAddress());
assert.equal(accessError?.args[1], ZeroHash);
assert.ok(accessError?.contracts.includes("AccessEscrow"));
assert.equal(decodeError("0xdeadbeef"), undefined);
console.log(`ok: decoded ${accessError?.signature} from a rejected transaction`);

// Published deployments exclude the local chain, with an actionable error.
assert.equal(DEPLOYMENTS[31337], undefined);
assert.throws(
  () => getDeployment(chainId),
  (error: unknown) => error instanceof DeploymentError && error.code === "NOT_DEPLOYED",
);

// The off-chain library works from the package, on the native curve, with 2-of-3 custody.
assert.equal(defaultCurve().name, "libsecp256k1");
const custodians = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
const contributor = generateKeyPair();
const sealed = await sealContribution(new TextEncoder().encode("hello"), {
  custodians: { version: 1, threshold: 2, publicKeys: custodians.map((c) => c.publicKey) },
  contributorPublicKey: contributor.publicKey,
});
const dataKey = unwrapDataKey(sealed.contributorWrappedKey, contributor.privateKey);
assert.equal(new TextDecoder().decode(openContribution(sealed.ciphertext, dataKey)), "hello");
const shares = [0, 2].map((i) => {
  const share = sealed.custody.shares[i];
  const custodian = custodians[i];
  assert.ok(share !== undefined && custodian !== undefined, `share ${i} of 3`);
  return { index: share.index, value: unwrapDataKey(share.wrappedShare, custodian.privateKey) };
});
const rebuilt = await recoverDataKey(shares, 2, sealed.contentHash, sealed.keyCommitment);
assert.equal(new TextDecoder().decode(openContribution(sealed.ciphertext, rebuilt)), "hello");
assert.equal(typeof LocalBlobStore, "function");
assert.equal(typeof MANIFEST_VERSION, "number");
assert.ok(SCORER_VERSION, "the export scorer names its version");
assert.equal(new Interface(accessEscrowAbi).getFunction("requestAccess")?.name, "requestAccess");
assert.equal(firstAbiItemType, coopTokenAbi[0].type);
console.log("ok: envelope encryption round trip");
