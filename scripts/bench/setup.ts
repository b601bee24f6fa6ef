import { ethers, network } from "hardhat";
import type { HardhatNetworkHDAccountsConfig } from "hardhat/types";
import { createRequire } from "node:module";
import {
  HDNodeWallet,
  Signature,
  SigningKey,
  Wallet,
  getBytes,
  hexlify,
  toQuantity,
  type ContractTransactionResponse,
  type Signer,
} from "ethers";
import type * as Native from "secp256k1";
import { attestationDigest, attestationDomain, type Attestation } from "../../src/protocol/attestation";
import { uniqueHash } from "../../test/support/contribute";
import { impersonate, type System } from "../../test/support/system";

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

/**
 * Signs 32-byte digests with `secret`: libsecp256k1 (the native `secp256k1` binding, loaded as
 * `src/crypto/curve.ts` does) where it loads, else ethers. Same bytes either way (RFC 6979 nonces, low s);
 * ethers' pure-JS curve costs milliseconds a signature, which adds up over 10,000 attestations.
 */
function digestSigner(secret: string): (digest: string) => string {
  try {
    const lib = createRequire(__filename)("secp256k1/bindings") as typeof Native;
    const key = getBytes(secret);
    return (digest) => {
      const { signature, recid } = lib.ecdsaSign(getBytes(digest), key);
      const r = hexlify(signature.subarray(0, 32));
      return Signature.from({ r, s: hexlify(signature.subarray(32)), v: 27 + recid }).serialized;
    };
  } catch {
    const key = new SigningKey(secret);
    return (digest) => key.sign(digest).serialized;
  }
}

/** The content hash and URI of the `index`-th contribution to register (default: random hash, a dummy URI). */
export type ContributionOf = (index: number) => { contentHash: string; uri: string };

/**
 * Registers `count` real contributions from fresh accounts, the cheap way to build the state of 10,000
 * contributors for a benchmark: attestations are signed in-process with libsecp256k1, the fresh accounts are
 * impersonated (their transactions go unsigned, so no curve work per account), fees are zero (so they need no
 * funding) and blocks are large (automine off).
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
  const sign = digestSigner(localKey(await system.validators[0].getAddress()).privateKey);
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
        // A fresh address, impersonated: the node takes its transaction unsigned (no key, no curve work).
        const contributor = uniqueHash("bench contributor").slice(0, 42);
        await network.provider.send("hardhat_impersonateAccount", [contributor]);
        const given = contributionOf?.(done + i);
        const attestation: Attestation = {
          contributor,
          contentHash: given?.contentHash ?? uniqueHash("bench-content"),
          sourceHash: uniqueHash("bench-source"),
          units: 500 + ((done + i) % 1000),
          quality: 5000 + ((done + i) % 5000),
          scorerVersion: 1,
          deadline,
        };
        const signature = sign(attestationDigest(domain, attestation));
        const data = registry.encodeFunctionData("contribute", [
          attestation,
          [signature],
          purposes,
          given?.uri ?? "bench://blob",
        ]);
        const tx = {
          from: contributor,
          to,
          data,
          gas: toQuantity(1_000_000),
          maxFeePerGas: "0x0",
          maxPriorityFeePerGas: "0x0",
        };
        sends.push(network.provider.send("eth_sendTransaction", [tx]));
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
