import { stat } from "node:fs/promises";
import path from "node:path";
import { getAddress, keccak256, toUtf8Bytes } from "ethers";

import { EnvelopeError, generateKeyPair, publicKeyFromPrivate } from "../crypto";
import { RoleError } from "./errors";
import { readInputFile, writeFileAtomic } from "./files";

/** The roles that hold an ECIES (secp256k1) key to unwrap data keys. */
export type KeyRole = "contributor" | "buyer" | "custodian";

/** Chain id of the Hardhat in-process network and of `npx hardhat node`. */
export const LOCAL_CHAIN_ID = 31337n;

/** An ECIES key pair and where it came from (for messages; never the key itself). */
export interface EciesKey {
  /** 32-byte private key, `0x` hex. Never print or log it. */
  readonly privateKey: string;
  /** 33-byte compressed public key, `0x` hex. */
  readonly publicKey: string;
  /** Where the key came from, e.g. `file /home/me/buyer.key`. */
  readonly source: string;
}

/**
 * Validates a private key and derives its public key.
 * @param privateKey 32-byte secp256k1 private key, `0x` hex
 * @param source where it came from, named in errors (never the key)
 * @throws RoleError `CONFIG` if it is not a valid key
 */
export function eciesKeyFromPrivate(privateKey: string, source: string): EciesKey {
  const normalized = privateKey.trim();
  try {
    const hex = normalized.startsWith("0x") ? normalized : `0x${normalized}`;
    return { privateKey: hex.toLowerCase(), publicKey: publicKeyFromPrivate(hex), source };
  } catch (cause) {
    if (!(cause instanceof EnvelopeError)) throw cause;
    throw new RoleError(
      "CONFIG",
      `The ECIES key from ${source} is not a secp256k1 private key (it must be 64 hex digits, optionally 0x-prefixed). Generate one with generateKeyFile (the keys:generate task).`,
      { cause },
    );
  }
}

/**
 * Reads an ECIES private key from a file holding 64 hex digits (optionally `0x`-prefixed; surrounding
 * whitespace and `#` comment lines are ignored).
 * @param file the key file
 * @throws RoleError `NOT_FOUND`, `CONFIG`
 */
export async function readKeyFile(file: string): Promise<EciesKey> {
  const text = new TextDecoder().decode(await readInputFile(file, "the key file"));
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("#"));
  if (lines.length !== 1) {
    throw new RoleError(
      "CONFIG",
      `The key file ${path.resolve(file)} must hold exactly one line with the private key (64 hex digits); found ${lines.length}.`,
    );
  }
  return eciesKeyFromPrivate(lines[0], `file ${path.resolve(file)}`);
}

/**
 * Says whether a key file can be read by other users (a warning to show, or `undefined`). On systems
 * without POSIX permissions it returns `undefined`.
 * @param file the key file
 */
export async function keyFilePermissionWarning(file: string): Promise<string | undefined> {
  if (process.platform === "win32") return undefined;
  const info = await stat(file).catch(() => undefined);
  if (info === undefined || (info.mode & 0o077) === 0) return undefined;
  return `${path.resolve(file)} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); run \`chmod 600 ${file}\`.`;
}

/**
 * Generates a fresh ECIES key and writes it to a new file, readable by its owner only (0600). Refuses to
 * overwrite an existing file.
 * @param file where to write the key
 * @returns the new key's public key and source (the private key stays in the file)
 */
export async function generateKeyFile(file: string): Promise<{ publicKey: string; file: string }> {
  const pair = generateKeyPair();
  await writeFileAtomic(file, `${pair.privateKey}\n`, { mode: 0o600, overwrite: false });
  return { publicKey: pair.publicKey, file: path.resolve(file) };
}

/**
 * The well-known development key of `role` for `account` on a local chain. It is derived from public
 * values (like Hardhat's own test accounts), so anyone can compute it: never use it on a public network.
 * @param role the role the key is for
 * @param account the account that plays the role
 */
export function localDevelopmentKey(role: KeyRole, account: string): EciesKey {
  const secret = keccak256(toUtf8Bytes(`datacoop:local-development-ecies-key:${role}:${getAddress(account)}`));
  return eciesKeyFromPrivate(secret, `the local development ${role} key of ${getAddress(account)}`);
}
