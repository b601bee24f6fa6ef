/**
 * Test and benchmark helpers for the validator flow: a contributor that seals the refinement of an export
 * (as the contributor client does) and keeps the data key to wrap it to validators, and the local validators'
 * wallets (their account keys are their ECIES keys). Never used by the library itself.
 */
import { HDNodeWallet, Mnemonic, type Provider, Wallet } from "ethers";

import { generateKeyPair, sealContribution, unwrapDataKey } from "../../src/crypto";
import { sealedPayloadOf } from "../../src/refine";
import {
  type AttestRequest,
  buildAttestRequest,
  custodianSetOf,
  deploymentSalt,
  describeSealed,
  serializeDescriptor,
  type DataCoop,
  type NamedStore,
} from "../../src/roles";
import { blobKey } from "../../src/store";

/** The Hardhat network's default accounts mnemonic (the local parameter files name its accounts). */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** A sealed refinement uploaded to a store, with its data key (as only the contributor holds it). */
export interface SealedRefinement {
  readonly contentHash: string;
  readonly uri: string;
  readonly ciphertext: Uint8Array;
  readonly dataKey: Uint8Array;
  readonly exportBytes: Uint8Array;
}

/**
 * Seals `payload` (default: the refinement of `exportBytes`) for the deployment's custodians and uploads
 * the ciphertext and descriptor, returning what a contributor needs to ask validators.
 */
export async function sealRefinement(
  system: Pick<DataCoop, "custodianSet" | "chainId" | "addresses">,
  exportBytes: Uint8Array,
  store: NamedStore,
  payload: Uint8Array = sealedPayloadOf(exportBytes, {
    salt: deploymentSalt(system.chainId, system.addresses.registry),
  }).payload,
): Promise<SealedRefinement> {
  const contributor = generateKeyPair();
  const sealed = await sealContribution(payload, {
    custodians: await custodianSetOf(system),
    contributorPublicKey: contributor.publicKey,
  });
  const descriptor = serializeDescriptor(
    describeSealed(sealed, store.uriFor(sealed.contentHash), contributor.publicKey),
  );
  await store.store.put(sealed.ciphertext);
  await store.store.put(descriptor);
  return {
    contentHash: sealed.contentHash,
    uri: store.uriFor(blobKey(descriptor)),
    ciphertext: sealed.ciphertext,
    dataKey: unwrapDataKey(sealed.contributorWrappedKey, contributor.privateKey),
    exportBytes,
  };
}

/** The request for one validator of a sealed refinement. */
export function requestFor(
  sealed: SealedRefinement,
  contributor: string,
  validatorPublicKey: string,
  deadline?: bigint,
): AttestRequest {
  return buildAttestRequest({
    contributor,
    contentHash: sealed.contentHash,
    uri: sealed.uri,
    exportBytes: sealed.exportBytes,
    sealedDataKey: sealed.dataKey,
    validatorPublicKey,
    deadline,
  });
}

/**
 * The wallet of a local account (first 20 of the Hardhat mnemonic), connected to `provider`.
 * @throws Error if `address` is not one of them
 */
export function localWallet(address: string, provider: Provider): Wallet {
  const mnemonic = Mnemonic.fromPhrase(HARDHAT_MNEMONIC);
  for (let i = 0; i < 20; i++) {
    const node = HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`);
    if (node.address.toLowerCase() === address.toLowerCase()) {
      return new Wallet(node.privateKey, provider);
    }
  }
  throw new Error(`${address} is not one of the local accounts.`);
}
