import { expect } from "chai";
import { network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  keccak256,
  toBytes,
  verifyTypedData,
  zeroHash,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";

import { getAddress } from "../../src/codec/address";
import { decodeError } from "../../src/errors";
import { attestationDigest } from "../../src/protocol/attestation";
import { CONTRIBUTION_STATUS } from "../../src/protocol/constants";
import {
  attestationTypedData,
  getDataCoopContracts,
  orderSignatures,
  proposalDescriptionHash,
  readProposalState,
  signAttestation,
} from "../../src/viem";
import { systemFixture } from "../support/fixtures";
import { rejection } from "./rejection";

/** Hardhat's default accounts; 17 is the first validator of deploy/parameters/hardhat.json. */
const MNEMONIC = "test test test test test test test test test test test junk";
/** The in-process network (viem's `viem/chains` is not imported: its types need the DOM library). */
const hardhat = defineChain({
  id: 31337,
  name: "Hardhat",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: ["http://127.0.0.1:8545"] } },
});

async function viemFixture() {
  const system = await systemFixture();
  const transport = custom(network.provider);
  const publicClient = createPublicClient({ chain: hardhat, transport });
  const contributor = mnemonicToAccount(MNEMONIC, { addressIndex: 1 });
  const walletClient = createWalletClient({ chain: hardhat, transport, account: contributor });
  const at = async (contract: { getAddress(): Promise<string> }) => getAddress(await contract.getAddress());
  const addresses = {
    CoopTimelock: await at(system.timelock),
    CoopToken: await at(system.token),
    CoopGovernor: await at(system.governor),
    RevenueDistributor: await at(system.distributor),
    ContributionRegistry: await at(system.registry),
    CustodianSet: await at(system.custodianSet),
    AccessEscrow: await at(system.escrow),
  };
  const contracts = getDataCoopContracts({ contracts: addresses }, { public: publicClient, wallet: walletClient });
  return { system, publicClient, walletClient, contributor, contracts };
}

describe("package: viem adapter", function () {
  it("reads through typed contracts, signs with a local account and contributes", async function () {
    const { publicClient, contributor, contracts } = await loadFixture(viemFixture);
    const { ContributionRegistry: registry } = contracts;
    expect(await registry.read.definedPurposes()).to.equal(0b111111); // a uint16: a number in viem
    const latest = await publicClient.getBlock();
    const attestation = {
      contributor: contributor.address,
      contentHash: keccak256(toBytes("viem ciphertext")),
      sourceHash: keccak256(toBytes("viem source")),
      units: 1000,
      quality: 9000,
      scorerVersion: 1,
      deadline: latest.timestamp + 3600n,
    };
    const chainId = await publicClient.getChainId();
    const typed = attestationTypedData(chainId, registry.address, attestation);
    expect(await registry.read.attestationDigest([typed.message])).to.equal(
      attestationDigest(typed.domain, attestation),
    );
    const validator = mnemonicToAccount(MNEMONIC, { addressIndex: 17 });
    const signed = await signAttestation(validator, chainId, registry.address, attestation);
    expect(signed.validator).to.equal(validator.address);
    expect(await verifyTypedData({ ...typed, address: validator.address, signature: signed.signature })).to.equal(true);
    const hash = await registry.write.contribute([typed.message, orderSignatures([signed]), 0b101, "file://viem"]);
    expect((await publicClient.waitForTransactionReceipt({ hash })).status).to.equal("success");
    const stored = await registry.read.contribution([attestation.contentHash]);
    expect(stored.owner).to.equal(contributor.address);
    expect(stored.status).to.equal(1); // uint8 enums are numbers in viem
  });

  it("signs with a wallet client whose account is the node's (eth_signTypedData_v4)", async function () {
    const { publicClient, contracts } = await loadFixture(viemFixture);
    const validator = createWalletClient({
      chain: hardhat,
      transport: custom(network.provider),
      account: mnemonicToAccount(MNEMONIC, { addressIndex: 18 }).address,
    });
    const chainId = await publicClient.getChainId();
    const registry = contracts.ContributionRegistry.address;
    const attestation = {
      contributor: registry,
      contentHash: zeroHash,
      sourceHash: zeroHash,
      units: 1,
      quality: 1,
      scorerVersion: 1,
      deadline: 1n,
    };
    const signed = await signAttestation(validator, chainId, registry, attestation);
    const local = await signAttestation(
      mnemonicToAccount(MNEMONIC, { addressIndex: 18 }),
      chainId,
      registry,
      attestation,
    );
    expect(signed).to.deep.equal(local);
  });

  it("decodes custom errors from viem's read and write errors", async function () {
    const { contracts } = await loadFixture(viemFixture);
    const unknown = keccak256(toBytes("never registered"));
    const simulated = await rejection(() => contracts.ContributionRegistry.simulate.revoke([unknown]));
    const decoded = decodeError(simulated, { contract: "ContributionRegistry" });
    expect(decoded?.name).to.equal("RegistryNotActive");
    if (decoded?.name === "RegistryNotActive") {
      expect(decoded.args.contentHash).to.equal(unknown);
      expect(decoded.args.status).to.equal(BigInt(CONTRIBUTION_STATUS.None));
    }
    const written = await rejection(() => contracts.ContributionRegistry.write.setRewardRate([1n]));
    expect(decodeError(written)?.name).to.equal("AccessControlUnauthorizedAccount");
    const read = await rejection(() => contracts.CoopGovernor.read.state([1n]));
    expect(decodeError(read)?.name).to.equal("GovernorNonexistentProposal");
  });

  it("hashes a proposal's description and reads its state by name", async function () {
    const { contracts } = await loadFixture(viemFixture);
    expect(proposalDescriptionHash("Approve request #1")).to.equal(keccak256(toBytes("Approve request #1")));
    const governor = { read: { state: async () => 4 } };
    expect(await readProposalState(governor, 1n)).to.deep.equal({ value: 4, name: "Succeeded" });
    expect(await contracts.CoopGovernor.read.name()).to.be.a("string");
  });
});
