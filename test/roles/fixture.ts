import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import type { Signer } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { generateKeyPair, type KeyPair } from "../../src/crypto";
import * as roles from "../../src/roles";
import { buildSyntheticExport, type SyntheticExportOptions } from "../support/export";
import { connectSystem, deploySystem } from "../support/system";

/** Purpose ids seeded at deployment. */
export const P = { RESEARCH: 0, ANALYTICS: 1, AI_TRAINING: 2, COMMERCIAL: 5 } as const;

/** A consent mask from purpose ids. */
export const mask = (...ids: number[]): number => ids.reduce((m, id) => m | (1 << id), 0);

/** A small synthetic export for `name` (its own ChatGPT account unless `userId` is given). */
export function exportOf(name: string, seed: number, options: SyntheticExportOptions = {}): Uint8Array {
  const userId = `user-${name.padEnd(24, "0").slice(0, 24)}`;
  return buildSyntheticExport({ seed, conversations: 6, maxTurns: 3, userId, ...options });
}

/**
 * The system deployed as the Ignition module does, with fresh key pairs for its three custodians (2-of-3),
 * connected through the role library; no contribution yet.
 */
export async function rolesFixture() {
  const custodianPairs: KeyPair[] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const system = await deploySystem({ custodianPublicKeys: custodianPairs.map((pair) => pair.publicKey) });
  const coop = await connectSystem(system);
  const validators = await roles.localValidators(coop, system.validators);
  const [, alice, bob, carol, dave, erin, buyer, outsider] = system.signers;
  const custodianKeys = custodianPairs.map((pair, i) =>
    roles.eciesKeyFromPrivate(pair.privateKey, `the test key of custodian ${i + 1}`),
  );
  return {
    system,
    coop,
    validators,
    /** The custodians' keys, in the set's order (`system.custodians[i]` holds `custodianKeys[i]`). */
    custodianKeys,
    /** The first custodian's key. */
    custodianKey: custodianKeys[0],
    buyerKey: roles.eciesKeyFromPrivate(generateKeyPair().privateKey, "the test buyer key"),
    alice,
    bob,
    carol,
    dave,
    erin,
    buyer,
    outsider,
  };
}

/** Custodians `which` (indexes in the set) deliver their shares of `requestId`, in that order. */
export async function deliverBy(
  fx: Pick<RolesFixture, "coop" | "system" | "custodianKeys">,
  requestId: bigint,
  store: roles.NamedStore,
  which: readonly number[] = [0, 1],
): Promise<roles.ShareDelivery[]> {
  const posted: roles.ShareDelivery[] = [];
  for (const i of which) {
    posted.push(await roles.deliverShare(fx.coop, fx.system.custodians[i], fx.custodianKeys[i], requestId, { store }));
  }
  return posted;
}

export type RolesFixture = Awaited<ReturnType<typeof rolesFixture>>;

/** Contributes `exportBytes` as `signer` through the role library, attested by the local validators. */
export async function contributeAs(
  fx: Pick<RolesFixture, "coop" | "validators">,
  signer: Signer,
  exportBytes: Uint8Array,
  purposes: number,
  store: roles.NamedStore,
) {
  return roles.contributeExport(fx.coop, signer, {
    exportBytes,
    purposes,
    contributorPublicKey: generateKeyPair().publicKey,
    store,
    attest: (request) => roles.signAttestationFile(fx.coop, fx.validators, request),
  });
}

/** A fresh temporary directory; remove it with {@link removeDir}. */
export async function tempDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `datacoop-${label}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}

/** Every file under `dir` (recursively); empty if it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** Transactions sent so far by each signer: unchanged counts prove nothing was sent. */
export async function nonces(signers: readonly HardhatEthersSigner[]): Promise<number[]> {
  return Promise.all(signers.map((s) => ethers.provider.getTransactionCount(s.address)));
}
