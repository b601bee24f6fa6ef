/** Key tasks: generate an ECIES key file, show the public key a role will use. */
import { task, types } from "hardhat/config";

import {
  type AccountArgs,
  type KeyArgs,
  action,
  eciesKeyFor,
  loadRoles,
  signerFor,
  withAccount,
  withKey,
} from "./common";

interface GenerateArgs {
  out: string;
}

task(
  "keys:generate",
  'Generates a secp256k1 ECIES key for a contributor, buyer or custodian and writes it to a new file readable only by you (0600). Prints the public key, never the private key. To use it on a public network: npx hardhat vars set DATACOOP_<ROLE>_KEY "$(cat <file>)"',
)
  .addParam("out", "Where to write the key (must not exist)", undefined, types.string)
  .setAction(
    action<GenerateArgs>(async (args) => {
      const roles = await loadRoles();
      const created = await roles.generateKeyFile(args.out);
      console.log(`Wrote a new private key to ${created.file} (mode 0600).`);
      console.log(`Public key: ${created.publicKey}`);
    }),
  );

interface ShowArgs extends AccountArgs, KeyArgs {
  role: string;
}

withKey(
  withAccount(
    task(
      "keys:show",
      "Shows the ECIES public key (never the private key) a role's tasks would use for an account, and where it comes from. E.g. the custodian's public key for the `custodianPublicKey` deployment parameter",
    ),
  ),
)
  .addParam("role", "contributor, buyer or custodian", undefined, types.string)
  .setAction(
    action<ShowArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const role = args.role.toLowerCase();
      if (role !== "contributor" && role !== "buyer" && role !== "custodian") {
        throw new roles.RoleError(
          "INVALID_INPUT",
          `--role must be contributor, buyer or custodian; got ${JSON.stringify(args.role)}.`,
        );
      }
      const signer = await signerFor(hre, args.account);
      const key = await eciesKeyFor(hre, role, signer.address, args);
      console.log(key.publicKey);
      process.stderr.write(`(${role} key of ${signer.address}, from ${key.source})\n`);
    }),
  );
