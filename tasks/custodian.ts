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
  "Delivers this custodian's share of an approved grant: builds its share manifest of exactly the contributions that are active and consent to the request's purpose (registry.isEligible over every Contributed event in the current consent epoch; never a revoked, superseded, non-consenting or not-yet-effective one), re-wraps its key shares to the buyer's key from the request, stores the manifest and posts its URI and hash with the eligible set's hash, epoch and build time (escrow.deliver); the k-th custodian to post the same set releases the fee (it rebuilds if the set changed)",
  {
    account: "the first local account that is a current custodian and has not posted yet",
    key: "custodian",
    json: true,
  },
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
      const signer = await signerFor(hre, args.account, async (signers) => {
        for (const s of signers) {
          if ((await coop.custodianSet.isCustodian(s.address)) && !(await coop.escrow.hasPosted(requestId, s.address)))
            return s;
        }
        return undefined;
      });
      const key = await eciesKeyFor(hre, "custodian", signer.address, args);
      const result = await roles.deliverShare(coop, signer, key, requestId, {
        store: await storeFor(hre, args.store),
        source: args.source === undefined ? undefined : await storeFor(hre, args.source),
      });
      const purposes = await roles.readPurposes(coop.registry);
      report(args.json, result, () => [
        `Posted ${signer.address}'s share of request #${requestId} (${roles.purposeName(result.purpose, purposes)}): ${result.sharesReleased} of ${result.contentHashes.length} key share(s) re-wrapped to the buyer; ${result.posts} of ${result.threshold} custodians have posted this set${result.released ? ", fee released" : ""} (tx ${result.txHash})`,
        `  set      ${result.eligibleSetHash}`,
        `  manifest ${result.manifestHash}`,
        `  uri      ${result.manifestURI}`,
      ]);
    }),
  );
