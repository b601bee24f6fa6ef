import { network } from "hardhat";
import { getAddress, hexlify, randomBytes, type ContractTransactionResponse, type Signer } from "ethers";
import { attest, uniqueHash } from "../lib/contribute";
import { impersonate, type System } from "../lib/system";

/** Records one measurement: `operation` cost `gas` with `contributors` contributors registered. */
export type Recorder = (operation: string, contributors: number, gas: bigint) => void;

/**
 * An account with no history: a random address, impersonated and funded so it can send transactions. No key
 * is made: `Wallet.createRandom()` derives an HD wallet from a mnemonic, about 150 ms each.
 */
export async function freshAccount(): Promise<Signer> {
  return impersonate(getAddress(hexlify(randomBytes(20))));
}

/** Gas used by a transaction once mined. */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("transaction was not mined");
  return receipt.gasUsed;
}

/** The content hash and URI of the `index`-th contribution to register (default: random hash, a dummy URI). */
export type ContributionOf = (index: number) => { contentHash: string; uri: string };

/**
 * Registers `count` real contributions from fresh accounts, sent in large blocks with automine off: the
 * cheap way to build the state of 10,000 contributors for a benchmark.
 */
export async function populate(
  system: System,
  count: number,
  purposes: number,
  log: (m: string) => void,
  contributionOf?: ContributionOf,
) {
  const perBlock = 80;
  await network.provider.send("evm_setAutomine", [false]);
  try {
    for (let done = 0; done < count;) {
      const batch = Math.min(perBlock, count - done);
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < batch; i++) {
        const who = await freshAccount();
        const given = contributionOf?.(done + i);
        const { attestation, signatures } = await attest(system, who, {
          contentHash: given?.contentHash,
          sourceHash: uniqueHash("bench-source"),
          units: 500 + ((done + i) % 1000),
          quality: 5000 + ((done + i) % 5000),
        });
        sends.push(
          system.registry
            .connect(who)
            .contribute(attestation, signatures, purposes, given?.uri ?? "bench://blob", { gasLimit: 1_000_000 }),
        );
      }
      await Promise.all(sends);
      await network.provider.send("evm_mine", []);
      done += batch;
      if (done % 2000 < perBlock || done === count) log(`  +${done} contributors`);
    }
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
}
