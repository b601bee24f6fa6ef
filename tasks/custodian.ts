/** Custodian task: deliver the keys of an approved grant. */
import { types } from "hardhat/config";

import {
  type AccountArgs,
  type DeploymentArgs,
  type JsonArgs,
  type KeyArgs,
  action,
  connect,
  eciesKeyFor,
  loadRoles,
  parseId,
  report,
  roleTask,
  signerFor,
  storeFor,
} from "./common";

interface DeliverArgs extends DeploymentArgs, AccountArgs, KeyArgs, JsonArgs {
  request: string;
  store?: string;
  source?: string;
}

roleTask(
  "custodian:deliver",
  "Delivers an approved grant: builds the manifest of exactly the contributions that are active and consent to the request's purpose (registry.isEligible over every Contributed event in the current consent epoch; never a revoked, superseded, non-consenting or not-yet-effective one), re-wraps each data key to the buyer's key from the request, stores the manifest and posts its URI, hash, epoch and build time with escrow.deliver, which releases the fee (it rebuilds if the set changed)",
  { account: "the first local account holding CUSTODIAN_ROLE", key: "custodian", json: true },
)
  .addParam("request", "The approved request id", undefined, types.string)
  .addOptionalParam(
    "store",
    "Blob store for the manifest (every ciphertext it lists is made available there too): a directory or an http(s) URL (default: .datacoop/blobs)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "source",
    "Blob store to read descriptors and ciphertexts from (default: the store each contribution's URI points into)",
    undefined,
    types.string,
  )
  .setAction(
    action<DeliverArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const requestId = await parseId(args.request, "request");
      const coop = await connect(hre, args);
      const custodianRole = await coop.escrow.CUSTODIAN_ROLE();
      const signer = await signerFor(hre, args.account, async (signers) => {
        for (const s of signers) if (await coop.escrow.hasRole(custodianRole, s.address)) return s;
        return undefined;
      });
      const key = await eciesKeyFor(hre, "custodian", signer.address, args);
      const result = await roles.deliverGrant(coop, signer, requestId, key, {
        store: await storeFor(hre, args.store),
        source: args.source === undefined ? undefined : await storeFor(hre, args.source),
      });
      const purposes = await roles.readPurposes(coop.registry);
      report(args.json, result, () => [
        `Delivered request #${requestId} (${roles.purposeName(result.purpose, purposes)}): ${result.contentHashes.length} data key(s) re-wrapped to the buyer; fee released (tx ${result.txHash})`,
        `  manifest ${result.manifestHash}`,
        `  uri      ${result.manifestURI}`,
      ]);
    }),
  );
