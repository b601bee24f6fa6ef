import { ethers, network } from "hardhat";
import type { HardhatNetworkHDAccountsConfig } from "hardhat/types";
import { HDNodeWallet, Signature, SigningKey, Wallet, type ContractTransactionResponse, type Signer } from "ethers";
import { attestationDigest, attestationDomain, type Attestation } from "../../src/protocol/attestation";
import { uniqueHash } from "../lib/contribute";
import { impersonate, type System } from "../lib/system";

/** Records one measurement: `operation` cost `gas` with `contributors` contributors registered. */
export type Recorder = (operation: string, contributors: number, gas: bigint) => void;

/** An account with no history: a fresh key, impersonated and funded so it can send transactions. */
export async function freshAccount(): Promise<Signer> {
  return impersonate(Wallet.createRandom().address);
}

/** Gas used by a transaction once mined. */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("transaction was not mined");
  return receipt.gasUsed;
}

/** The private key of a local (Hardhat HD) account, for signing in-process without a round trip per signature. */
function localKey(address: string): SigningKey {
  const accounts = network.config.accounts as HardhatNetworkHDAccountsConfig;
  for (let i = 0; i < accounts.count; i++) {
    const wallet = HDNodeWallet.fromPhrase(accounts.mnemonic, accounts.passphrase, `${accounts.path}/${i}`);
    if (wallet.address.toLowerCase() === address.toLowerCase()) return wallet.signingKey;
  }
  throw new Error(`${address} is not a local Hardhat account`);
}

/** The content hash and URI of the `index`-th contribution to register (default: random hash, a dummy URI). */
export type ContributionOf = (index: number) => { contentHash: string; uri: string };

/**
 * Registers `count` real contributions from fresh accounts, the cheap way to build the state of 10,000
 * contributors for a benchmark: every attestation and transaction is signed in-process (one RPC per
 * contribution), fees are zero (so the fresh accounts need no funding) and blocks are large (automine off).
 * Bench only: the state is what real contributions produce, only the way there is shortened.
 */
export async function populate(
  system: System,
  count: number,
  purposes: number,
  log: (m: string) => void,
  contributionOf?: ContributionOf,
) {
  const perBlock = 1000;
  const { chainId } = await ethers.provider.getNetwork();
  const domain = attestationDomain(chainId, await system.registry.getAddress());
  const validator = localKey(await system.validators[0].getAddress());
  const to = await system.registry.getAddress();
  const registry = system.registry.interface;
  await network.provider.send("evm_setBlockGasLimit", [ethers.toQuantity(perBlock * 1_000_000)]);
  await network.provider.send("evm_setAutomine", [false]);
  try {
    for (let done = 0; done < count;) {
      const batch = Math.min(perBlock, count - done);
      const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 3600);
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < batch; i++) {
        const who = new Wallet(uniqueHash("bench contributor"));
        const given = contributionOf?.(done + i);
        const attestation: Attestation = {
          contributor: who.address,
          contentHash: given?.contentHash ?? uniqueHash("bench-content"),
          sourceHash: uniqueHash("bench-source"),
          units: 500 + ((done + i) % 1000),
          quality: 5000 + ((done + i) % 5000),
          scorerVersion: 1,
          deadline,
        };
        const signature = Signature.from(validator.sign(attestationDigest(domain, attestation))).serialized;
        const raw = await who.signTransaction({
          to,
          data: registry.encodeFunctionData("contribute", [
            attestation,
            [signature],
            purposes,
            given?.uri ?? "bench://blob",
          ]),
          nonce: 0,
          gasLimit: 1_000_000,
          chainId,
          type: 2,
          maxFeePerGas: 0,
          maxPriorityFeePerGas: 0,
        });
        sends.push(network.provider.send("eth_sendRawTransaction", [raw]));
      }
      await Promise.all(sends);
      await network.provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x0"]);
      await network.provider.send("evm_mine", []);
      done += batch;
      if (done % 2000 < perBlock || done === count) log(`  +${done} contributors`);
    }
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
}
