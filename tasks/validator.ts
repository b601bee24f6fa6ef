/** Validator task: score an export and sign the EIP-712 attestation. */
import { types } from "hardhat/config";

import { type AccountArgs, type DeploymentArgs, action, connect, loadRoles, roleTask, signerFor } from "./common";

interface AttestArgs extends DeploymentArgs, AccountArgs {
  export: string;
  sealed?: string;
  contributor?: string;
  contentHash?: string;
  out: string;
  deadline?: string;
  validity: string;
}

roleTask(
  "validator:attest",
  "Scores a ChatGPT export (units, quality, source-account hash) and signs the EIP-712 attestation for the contributor's sealed ciphertext, bound to this chain and registry; writes it as JSON for contributor:contribute --attestation",
  { account: "the first local account holding VALIDATOR_ROLE" },
)
  .addParam("export", "The ChatGPT export .zip the contributor showed you", undefined, types.string)
  .addOptionalParam(
    "sealed",
    "The contributor's sealed-contribution file (from contributor:seal); its claims are checked against your own score",
    undefined,
    types.string,
  )
  .addOptionalParam("contributor", "Instead of --sealed: the contributor's address", undefined, types.string)
  .addOptionalParam(
    "contentHash",
    "Instead of --sealed: the content hash of the sealed ciphertext",
    undefined,
    types.string,
  )
  .addParam("out", "Where to write the attestation JSON (must not exist)", undefined, types.string)
  .addOptionalParam(
    "deadline",
    "Instead of --validity: the deadline as Unix seconds. k validators signing on their own machines must use the same one (e.g. one the contributor states), or their files cannot be combined",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "validity",
    "How long the attestation stays valid, e.g. 1h, 2d (from the latest block)",
    "1h",
    types.string,
  )
  .setAction(
    action<AttestArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const validity = roles.parseDuration(args.validity, "--validity");
      if (args.deadline !== undefined && !/^\d+$/.test(args.deadline.trim())) {
        throw new roles.RoleError(
          "INVALID_INPUT",
          `--deadline must be Unix seconds; got ${JSON.stringify(args.deadline)}.`,
        );
      }
      const deadline = args.deadline === undefined ? undefined : BigInt(args.deadline.trim());
      let contributor: string;
      let contentHash: string;
      let sealed: import("../src/roles").SealedContributionFile | undefined;
      if (args.sealed !== undefined) {
        if (args.contributor !== undefined || args.contentHash !== undefined) {
          throw new roles.RoleError(
            "INVALID_INPUT",
            "Give either --sealed, or --contributor with --content-hash, not both.",
          );
        }
        sealed = roles.parseSealedFile(
          new TextDecoder().decode(await roles.readInputFile(args.sealed, "the sealed-contribution file")),
          args.sealed,
        );
        contributor = sealed.contributor;
        contentHash = sealed.contentHash;
      } else {
        if (args.contributor === undefined || args.contentHash === undefined) {
          throw new roles.RoleError(
            "INVALID_INPUT",
            "Give --sealed <file>, or both --contributor <address> and --content-hash <hash>.",
          );
        }
        contributor = args.contributor;
        contentHash = args.contentHash;
      }
      const coop = await connect(hre, args);
      const validatorRole = await coop.registry.VALIDATOR_ROLE();
      const signer = await signerFor(hre, args.account, async (signers) => {
        for (const s of signers) if (await coop.registry.hasRole(validatorRole, s.address)) return s;
        return undefined;
      });
      // The sealed file names the refinement profile the contributor sealed with (exclusions change units).
      const score = roles.scoreExportFor(
        coop,
        await roles.readInputFile(args.export, "the export archive"),
        sealed?.profile,
      );
      if (sealed !== undefined) {
        const mismatches: string[] = [];
        if (sealed.sourceHash !== score.sourceHash) mismatches.push("the source account differs");
        if (sealed.units !== score.units)
          mismatches.push(`it claims ${sealed.units} units, the export has ${score.units}`);
        if (sealed.quality !== score.quality)
          mismatches.push(`it claims quality ${sealed.quality}, the export scores ${score.quality}`);
        if (mismatches.length > 0) {
          throw new roles.RoleError(
            "INVALID_INPUT",
            `The sealed file does not describe this export (${mismatches.join("; ")}); ask the contributor for the export they sealed.`,
          );
        }
      }
      const file = await roles.signAttestationFile(coop, [signer], {
        contributor,
        contentHash,
        score,
        validity,
        deadline,
      });
      await roles.writeJsonAtomic(args.out, file, { overwrite: false });
      console.log(
        `Attested ${contentHash} for ${contributor}: ${score.units} units, quality ${(score.quality / 100).toFixed(2)}%`,
      );
      console.log(
        `  signed by ${signer.address}, valid until ${roles.formatTime(BigInt(file.attestation.deadline))} → ${args.out}`,
      );
    }),
  );

roleTask(
  "validator:publish-key",
  "Publishes this validator's ECIES public key on-chain (its account key, which contributors wrap data keys to); the registry checks that the key is the account's. The validator service does this at start when it is missing",
  { account: "the first local account holding VALIDATOR_ROLE" },
).setAction(
  action<DeploymentArgs & AccountArgs>(async (args, hre) => {
    const roles = await loadRoles();
    const { hashMessage, SigningKey } = await import("ethers");
    const coop = await connect(hre, args);
    const validatorRole = await coop.registry.VALIDATOR_ROLE();
    const signer = await signerFor(hre, args.account, async (signers) => {
      for (const s of signers) if (await coop.registry.hasRole(validatorRole, s.address)) return s;
      return undefined;
    });
    // Any signer can prove its public key by signing: no private key is read here.
    const message = `DataCoop validator key of ${signer.address}`;
    const publicKey = SigningKey.recoverPublicKey(hashMessage(message), await signer.signMessage(message));
    await roles.transact("publishing the validator key", coop.registry.connect(signer).publishValidatorPublicKeys, [
      publicKey,
    ]);
    console.log(
      `Published the key of validator ${signer.address}: ${await roles.validatorPublicKeyOf(coop, signer.address)}`,
    );
  }),
);
