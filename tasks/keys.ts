/** Key tasks: generate an ECIES key file, show the public key a role will use. */
import { computeAddress } from "ethers";
import { task, types } from "hardhat/config";

import type * as Roles from "../src/roles";
import { configVar, roleAccountKey } from "./accounts";

import {
  type AccountArgs,
  type KeyArgs,
  action,
  KEY_VARS,
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
  'Generates a secp256k1 key and writes it to a new file readable only by you (0600). Prints the public key and its address, never the private key. To make it a role\'s own key on a public network (its account and, for contributor, buyer and custodian, its ECIES key): npx hardhat vars set DATACOOP_<ROLE>_PRIVATE_KEY "$(cat <file>)"',
)
  .addParam("out", "Where to write the key (must not exist)", undefined, types.string)
  .setAction(
    action<GenerateArgs>(async (args) => {
      const roles = await loadRoles();
      const created = await roles.generateKeyFile(args.out);
      console.log(`Wrote a new private key to ${created.file} (mode 0600).`);
      console.log(`Public key: ${created.publicKey} (address ${computeAddress(created.publicKey)})`);
    }),
  );

interface ShowArgs extends AccountArgs, KeyArgs {
  role: string;
}

withKey(
  withAccount(
    task(
      "keys:show",
      "Shows the ECIES public key (never the private key) a role's tasks would use, where it comes from and the key's own address. With the role's key configured it works offline; e.g. the custodian's public key for the `custodianPublicKey` deployment parameter",
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
      // A configured key is shown from the key alone: no RPC, no network account needed.
      const key =
        args.account === undefined && args.keyFile === undefined
          ? configuredEciesKey(roles, role, args.keyVar)
          : undefined;
      const shown = key ?? (await eciesKeyFor(hre, role, (await signerFor(hre, args.account ?? role)).address, args));
      console.log(shown.publicKey);
      process.stderr.write(
        `(${role} key from ${shown.source}; the key's own address is ${computeAddress(shown.publicKey)})\n`,
      );
    }),
  );

/** The ECIES key of `role` from its variables (`--key-var`, `DATACOOP_<ROLE>_KEY`, then the role's account key). */
function configuredEciesKey(
  roles: typeof Roles,
  role: Roles.KeyRole,
  keyVar: string | undefined,
): Roles.EciesKey | undefined {
  const variable = keyVar ?? KEY_VARS[role];
  const explicit = configVar(variable);
  if (explicit !== undefined) return roles.eciesKeyFromPrivate(explicit, `configuration variable ${variable}`);
  if (keyVar !== undefined) return undefined;
  const accountKey = roleAccountKey(role);
  return (
    accountKey && roles.eciesKeyFromPrivate(accountKey.privateKey, `configuration variable ${accountKey.variable}`)
  );
}
