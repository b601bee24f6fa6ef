/**
 * The chain state the browser test starts from, made with viem and the package's viem adapter on a
 * fresh local deployment (DataCoopLocal): a contribution by the member (RESEARCH + AI_TRAINING, signed by
 * a local validator), standing terms for RESEARCH (set as the timelock, impersonated: a local node only),
 * one RESEARCH request delivered (so the member has earnings to claim), one RESEARCH request still in its
 * objection window, and an active proposal to approve an AI_TRAINING request.
 */
import {
  type Address,
  type Hex,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  http,
  keccak256,
  stringToHex,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";

import { DATACOOP_ABIS } from "../../src/abi";
import { deploymentFromIgnition } from "../../src/deployments/ignition";
import { mockUsdcAbi } from "../../src/testing";
import { PURPOSE_ID } from "../../src/protocol/constants";
import { orderSignatures, proposalDescriptionHash, signAttestation } from "../../src/viem";

const MNEMONIC = "test test test test test test test test test test test junk";
export const account = (index: number) => mnemonicToAccount(MNEMONIC, { addressIndex: index });

export const MEMBER = 1;
const OTHER = 2;
const BUYER = 5;
/** Two of the three local custodians (deploy/parameters: 2-of-3): k posts of the same set release a grant. */
const CUSTODIANS = [16, 15] as const;
const VALIDATOR = 17;
/** A valid compressed secp256k1 public key (the generator point) for the buyer's requests. */
const BUYER_KEY: Hex = "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

export interface Seeded {
  readonly member: Address;
  readonly contentHash: Hex;
  readonly usdc: Address;
  readonly objectRequestId: bigint;
  readonly proposalId: bigint;
  readonly deliveredRequestId: bigint;
}

export async function seed(rpcUrl: string, deployedAddresses: Record<string, string>): Promise<Seeded> {
  const chain = defineChain({
    id: 31337,
    name: "local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl);
  const pub = createPublicClient({ chain, transport });
  const test = createTestClient({ chain, transport, mode: "hardhat" });
  const { contracts } = deploymentFromIgnition(deployedAddresses, chain.id);
  const usdc = deployedAddresses["DataCoopLocal#MockUSDC"] as Address;
  const wallet = (index: number) => createWalletClient({ account: account(index), chain, transport });
  const wait = async (hash: Hex) => {
    const receipt = await pub.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`seed transaction ${hash} reverted`);
    return receipt;
  };
  const advance = async (seconds: number) => {
    await test.increaseTime({ seconds });
    await test.mine({ blocks: 1 });
  };
  const now = async () => Number((await pub.getBlock()).timestamp);

  // 1. The member and another member contribute (the scores are what a validator would sign; the browser pipeline is tested apart).
  const contribute = async (index: number, label: string, units: number, purposes: number) => {
    const contentHash = keccak256(stringToHex(`web-test ciphertext ${label}`));
    const attestation = {
      contributor: account(index).address,
      contentHash,
      sourceHash: keccak256(stringToHex(`web-test source account ${label}`)),
      units,
      quality: 8000,
      scorerVersion: 1,
      deadline: (await now()) + 3600,
    };
    const signature = await signAttestation(account(VALIDATOR), chain.id, contracts.ContributionRegistry, attestation);
    await wait(
      await wallet(index).writeContract({
        address: contracts.ContributionRegistry,
        abi: DATACOOP_ABIS.ContributionRegistry,
        functionName: "contribute",
        args: [
          { ...attestation, deadline: BigInt(attestation.deadline) },
          orderSignatures([signature]),
          purposes,
          `blob://web-test-${label}`,
        ],
      }),
    );
    return contentHash;
  };
  const member = account(MEMBER).address;
  const contentHash = await contribute(
    MEMBER,
    "member",
    1200,
    (1 << PURPOSE_ID.RESEARCH) | (1 << PURPOSE_ID.AI_TRAINING),
  );
  // A larger holder ("do not train": research only), so that the member's objection alone does not reject.
  await contribute(OTHER, "other", 3000, 1 << PURPOSE_ID.RESEARCH);
  // Consent given takes effect at the next consent epoch.
  const epoch = await pub.readContract({
    address: contracts.RevenueDistributor,
    abi: DATACOOP_ABIS.RevenueDistributor,
    functionName: "consentEpoch",
  });
  await advance(Number(epoch) + 1);

  // 2. Standing terms for RESEARCH, set as the timelock (impersonated: local node only).
  const timelock = contracts.CoopTimelock;
  await test.impersonateAccount({ address: timelock });
  await test.setBalance({ address: timelock, value: 10n ** 18n });
  const asTimelock = createWalletClient({ account: timelock, chain, transport });
  await wait(
    await asTimelock.writeContract({
      address: contracts.AccessEscrow,
      abi: DATACOOP_ABIS.AccessEscrow,
      functionName: "setStandingTerms",
      args: [
        PURPOSE_ID.RESEARCH,
        { enabled: true, maxDuration: 365 * 86400, objectionWindow: 3600, objectionThresholdBps: 5000, minPrice: 1n },
      ],
    }),
  );
  await test.stopImpersonatingAccount({ address: timelock });

  // 3. The buyer is funded and requests access three times.
  const buyer = wallet(BUYER);
  const fee = 1_000_000_000n; // 1,000 MockUSDC (6 decimals)
  await wait(
    await buyer.writeContract({
      address: usdc,
      abi: mockUsdcAbi,
      functionName: "mint",
      args: [buyer.account.address, 3n * fee],
    }),
  );
  await wait(
    await buyer.writeContract({
      address: usdc,
      abi: mockUsdcAbi,
      functionName: "approve",
      args: [contracts.AccessEscrow, 3n * fee],
    }),
  );
  const request = async (purpose: number, terms: string) => {
    const hash = await buyer.writeContract({
      address: contracts.AccessEscrow,
      abi: DATACOOP_ABIS.AccessEscrow,
      functionName: "requestAccess",
      args: [purpose, fee, 30 * 86400, keccak256(stringToHex(terms)), `https://example.org/terms/${terms}`, BUYER_KEY],
    });
    await wait(hash);
    return pub.readContract({
      address: contracts.AccessEscrow,
      abi: DATACOOP_ABIS.AccessEscrow,
      functionName: "requestCount",
    });
  };

  // 3a. A RESEARCH request that nobody objects to: finalized, then delivered by two of the three custodians.
  const deliveredRequestId = await request(PURPOSE_ID.RESEARCH, "research-1");
  await advance(3601);
  await wait(
    await wallet(MEMBER).writeContract({
      address: contracts.AccessEscrow,
      abi: DATACOOP_ABIS.AccessEscrow,
      functionName: "finalize",
      args: [deliveredRequestId],
    }),
  );
  const [current] = await pub.readContract({
    address: contracts.RevenueDistributor,
    abi: DATACOOP_ABIS.RevenueDistributor,
    functionName: "currentEpoch",
  });
  // k custodians post the same share-manifest set in one round (one epoch, one build time); the k-th releases.
  const post = {
    epoch: current,
    builtAt: await now(),
    setHash: keccak256(stringToHex("web-test eligible set")),
    manifestHash: keccak256(stringToHex("manifest")),
    manifestURI: "blob://manifest-web-test",
  };
  for (const custodian of CUSTODIANS) {
    await wait(
      await wallet(custodian).writeContract({
        address: contracts.AccessEscrow,
        abi: DATACOOP_ABIS.AccessEscrow,
        functionName: "deliver",
        args: [deliveredRequestId, post],
      }),
    );
  }

  // 3b. A RESEARCH request in its objection window (the member objects in the browser).
  const objectRequestId = await request(PURPOSE_ID.RESEARCH, "research-2");
  // 3c. An AI_TRAINING request (no standing terms): a proposal decides it.
  const proposalRequestId = await request(PURPOSE_ID.AI_TRAINING, "training-1");

  // 4. The member proposes to approve it; voting opens after the voting delay.
  const description = `Approve access request #${proposalRequestId} (AI training)`;
  const call = encodeFunctionData({
    abi: DATACOOP_ABIS.AccessEscrow,
    functionName: "approve",
    args: [[proposalRequestId]],
  });
  await wait(
    await wallet(MEMBER).writeContract({
      address: contracts.CoopGovernor,
      abi: DATACOOP_ABIS.CoopGovernor,
      functionName: "propose",
      args: [[contracts.AccessEscrow], [0n], [call], description],
    }),
  );
  const proposalId = await pub.readContract({
    address: contracts.CoopGovernor,
    abi: DATACOOP_ABIS.CoopGovernor,
    functionName: "getProposalId",
    args: [[contracts.AccessEscrow], [0n], [call], proposalDescriptionHash(description)],
  });
  const delay = await pub.readContract({
    address: contracts.CoopGovernor,
    abi: DATACOOP_ABIS.CoopGovernor,
    functionName: "votingDelay",
  });
  await advance(Number(delay) + 1);

  return { member, contentHash, usdc, objectRequestId, proposalId, deliveredRequestId };
}
