import { open } from "node:fs/promises";
import path from "node:path";
import { keccak256, type Signer } from "ethers";

import { EnvelopeError, normalizePublicKey } from "../crypto";
import { ManifestError } from "../manifest";
import {
  assembleDataset,
  CARD_FILE,
  CHAT_FILE,
  CONVERSATIONS_FILE,
  RefineError,
  type ContributionPayload,
  type DatasetCard,
  type GrantFacts,
  type LineSink,
} from "../refine";
import { CONTRIBUTION_STATUS } from "../protocol/constants";
import { BlobStoreError } from "../store";
import type { DataCoop } from "./contracts";
import { RoleError } from "./errors";
import { publishDirectory, writeFileAtomic, writeJsonAtomic } from "./files";
import { openGrant, type PostedManifest } from "./grant-keys";
import type { EciesKey } from "./keys";
import { purposeName, readPurposes } from "./purposes";
import { buyerPublicKeyOf, readRequest, requireStatus } from "./requests";
import { simulate, transact } from "./transact";
import type { NamedStore } from "./stores";

/** What a buyer asks for. */
export interface AccessRequestInput {
  /** Purpose id (see `readPurposes`). */
  readonly purpose: number;
  /** Fee, in settlement token base units. */
  readonly amount: bigint;
  /** Grant length in seconds, counted from delivery. */
  readonly duration: number;
  /** keccak256 of the terms document the buyer accepts. */
  readonly termsHash: string;
  /** Where the terms document lives. */
  readonly termsURI: string;
  /** The buyer's ECIES public key: the data keys will be wrapped to it. */
  readonly buyerPublicKey: string;
}

/** A request made. */
export interface AccessRequestResult {
  readonly requestId: bigint;
  /** Whether it met the purpose's standing terms (approved unless holders object). */
  readonly optimistic: boolean;
  readonly decisionDeadline: bigint;
  /** End of the objection window, 0 if the request waits for a proposal. */
  readonly objectionDeadline: bigint;
  /** Whether an approval transaction was needed first. */
  readonly approved: boolean;
  readonly txHash: string;
}

/**
 * Requests access: checks the buyer's key and balance (the request cannot be simulated before the escrow
 * is approved to take the fee, so a short balance would otherwise cost an approval first), approves the
 * escrow for exactly the fee if needed, then simulates and sends `requestAccess`; the escrow checks the
 * purpose, amount, duration, terms and consenting weight, and the request id is the one the simulation
 * returned. Should the request be refused after an approval, the allowance is left for the next request.
 * @throws RoleError with what to fix
 */
export async function requestAccess(
  system: DataCoop,
  signer: Signer,
  input: AccessRequestInput,
): Promise<AccessRequestResult> {
  const buyer = await signer.getAddress();
  let publicKey: string;
  try {
    publicKey = normalizePublicKey(input.buyerPublicKey);
  } catch (cause) {
    if (!(cause instanceof EnvelopeError)) throw cause;
    throw new RoleError("INVALID_INPUT", `The buyer public key is invalid: ${cause.message}`, { cause });
  }
  const token = system.settlementToken;
  const balance = await token.balanceOf(buyer);
  if (balance < input.amount) {
    throw new RoleError(
      "NOT_ALLOWED",
      `${buyer} holds ${balance} base units of the settlement token (${await token.getAddress()}) but the fee is ${input.amount}; fund the account first.`,
    );
  }
  const allowance = await token.allowance(buyer, system.addresses.escrow);
  const approved = allowance < input.amount;
  if (approved) {
    await transact(
      "approve the escrow to take the fee",
      token.connect(signer).approve,
      system.addresses.escrow,
      input.amount,
    );
  }
  const simulated = await simulate(
    "request access",
    system.escrow.connect(signer).requestAccess,
    input.purpose,
    input.amount,
    input.duration,
    input.termsHash,
    input.termsURI,
    publicKey,
  );
  const requestId = simulated.result;
  const receipt = await simulated.send();
  const request = await system.escrow.request(requestId);
  return {
    requestId,
    optimistic: request.objectionDeadline !== 0n,
    decisionDeadline: request.decisionDeadline,
    objectionDeadline: request.objectionDeadline,
    approved,
    txHash: receipt.hash,
  };
}

/**
 * Cancels a pending request the signer made; the fee is refunded in full (the escrow refuses anyone but
 * the buyer, and a request that is not pending).
 */
export async function cancelRequest(
  system: DataCoop,
  signer: Signer,
  requestId: bigint,
): Promise<{ refunded: bigint; txHash: string }> {
  const request = await readRequest(system, requestId);
  const receipt = await transact("cancel the request", system.escrow.connect(signer).cancel, requestId);
  return { refunded: request.amount, txHash: receipt.hash };
}

/**
 * Approves an optimistic request whose objection window has closed (anyone may do it; the escrow refuses
 * it earlier, and a request decided by a proposal).
 */
export async function finalizeRequest(
  system: DataCoop,
  signer: Signer,
  requestId: bigint,
): Promise<{ txHash: string }> {
  const receipt = await transact("finalize the request", system.escrow.connect(signer).finalize, requestId);
  return { txHash: receipt.hash };
}

/** The dataset shapes {@link fetchGrant} can write besides `conversations.jsonl` and `dataset.json`. */
export type DatasetFormat = "jsonl" | "chat";

/** Options of {@link fetchGrant}. */
export interface FetchOptions {
  /** Where to read the manifest and ciphertexts; default: the store the manifest URI points into. */
  readonly store?: NamedStore;
  /** A new (or empty) directory for the dataset; written atomically. */
  readonly outDir: string;
  /** `chat`: also write the chat fine-tuning lines (`conversations.chat.jsonl`). Default `jsonl`. */
  readonly format?: DatasetFormat;
}

/** What {@link fetchGrant} delivered. */
export interface FetchResult {
  /** Whether the grant is still running (after `expiry` the accepted terms forbid further use). */
  readonly active: boolean;
  /** End of the grant (Unix seconds). */
  readonly expiry: bigint;
  /** The eligible set delivered. */
  readonly setHash: string;
  /** The custodians' share manifests combined (written as `manifest-<custodian>.json`). */
  readonly manifests: readonly Omit<PostedManifest, "bytes">[];
  readonly purpose: number;
  /** The content hashes of the contributions in the dataset, each verified before decryption. */
  readonly contributions: readonly string[];
  /** The dataset card, as written to `dataset.json`. */
  readonly card: DatasetCard;
  /** The files written, absolute paths, in the card's order. */
  readonly files: readonly string[];
  readonly outDir: string;
}

/** Lines are written in batches of about this many characters: bounded memory, few system calls. */
const LINE_BATCH = 1 << 20;

/** A file written line by line in batches, written out on `flush` and flushed to disk on close. */
async function lineFile(file: string): Promise<{ sink: LineSink; flush(): Promise<void>; close(): Promise<void> }> {
  const handle = await open(file, "wx", 0o644);
  let batch: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const text = batch.join("");
    batch = [];
    size = 0;
    await handle.write(text);
  };
  return {
    sink: async (line) => {
      batch.push(line, "\n");
      size += line.length + 1;
      if (size >= LINE_BATCH) await flush();
    },
    flush,
    close: async () => {
      try {
        await flush();
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
  };
}

/**
 * After delivery: fetches the share manifests the custodians posted for the delivered set and combines them
 * ({@link openGrant}: hashes as posted, made for this key, chain, escrow, request and purpose, covering exactly
 * the delivered set, k shares per key), checks every entry is a registered contribution, then one contribution
 * at a time fetches its ciphertext, rebuilds and checks its key, verifies its content hash, decrypts the refined
 * payload and streams its lines into the dataset: `conversations.jsonl` (each line with its contribution's
 * content hash), with `format: "chat"` `conversations.chat.jsonl`, then the card `dataset.json` and each
 * `manifest-<custodian>.json` as posted. Memory holds one contribution at a time; the directory appears all or
 * nothing.
 * @throws RoleError (`WRONG_STATE`, `NOT_ALLOWED`, `INTEGRITY`, ...); nothing is written on failure
 */
export async function fetchGrant(
  system: DataCoop,
  requestId: bigint,
  buyerKey: EciesKey,
  options: FetchOptions,
): Promise<FetchResult> {
  const request = await readRequest(system, requestId);
  requireStatus(requestId, request, ["Delivered"], "fetch its data");
  const requestedKey = normalizePublicKey(await buyerPublicKeyOf(system, requestId, request));
  if (requestedKey !== buyerKey.publicKey) {
    throw new RoleError(
      "NOT_ALLOWED",
      `Request #${requestId} was made for the public key ${requestedKey}, but the key from ${buyerKey.source} is ${buyerKey.publicKey}; use the key the request was made with.`,
    );
  }
  const purpose = Number(request.purpose);
  const grant = await system.escrow.grant(requestId);
  const facts: GrantFacts = {
    grantId: requestId.toString(),
    purpose: purposeName(purpose, await readPurposes(system.registry)),
    termsHash: request.termsHash,
    expiry: new Date(Number(grant.expiry) * 1000).toISOString(),
  };
  try {
    const { setHash, manifests, opened } = await openGrant(system, requestId, buyerKey, purpose, options.store);
    const entries = opened.contentHashes;
    for (const contentHash of entries) {
      const c = await system.registry.contribution(contentHash);
      if (c.status === BigInt(CONTRIBUTION_STATUS.None)) {
        throw new RoleError("INTEGRITY", `The manifests list ${contentHash}, which is not a registered contribution.`);
      }
    }
    const contributions: string[] = [];
    const card = await publishDirectory(options.outDir, async (dir) => {
      const conversations = await lineFile(path.join(dir, CONVERSATIONS_FILE));
      const chat = options.format === "chat" ? await lineFile(path.join(dir, CHAT_FILE)) : undefined;
      let made: DatasetCard;
      try {
        // One contribution at a time: the opened manifest fetches, verifies and decrypts lazily.
        async function* decrypted(): AsyncGenerator<ContributionPayload> {
          for await (const item of opened) {
            contributions.push(item.contentHash);
            yield { contentHash: item.contentHash, payload: item.plaintext };
            // Its lines are on disk before the next contribution is fetched.
            await conversations.flush();
            await chat?.flush();
            system.progress?.({ step: "decrypting and verifying", done: contributions.length, total: entries.length });
          }
        }
        made = await assembleDataset(decrypted(), {
          grant: facts,
          conversations: conversations.sink,
          chat: chat?.sink,
        });
      } finally {
        await conversations.close();
        await chat?.close();
      }
      await writeJsonAtomic(path.join(dir, CARD_FILE), made, { overwrite: false });
      for (const m of manifests) {
        await writeFileAtomic(path.join(dir, `manifest-${m.custodian}.json`), m.bytes, { overwrite: false });
      }
      return made;
    });
    const outDir = path.resolve(options.outDir);
    return {
      active: grant.active,
      expiry: grant.expiry,
      setHash,
      manifests: manifests.map(({ custodian, manifestHash, manifestURI }) => ({
        custodian,
        manifestHash,
        manifestURI,
      })),
      purpose,
      contributions,
      card,
      files: [...card.files, ...manifests.map((m) => `manifest-${m.custodian}.json`)].map((name) =>
        path.join(outDir, name),
      ),
      outDir,
    };
  } catch (cause) {
    if (
      cause instanceof ManifestError ||
      cause instanceof BlobStoreError ||
      cause instanceof EnvelopeError ||
      cause instanceof RefineError
    ) {
      throw new RoleError(
        "INTEGRITY",
        `Verification of the data delivered for request #${requestId} failed, so nothing was written: ${cause.message}`,
        { cause },
      );
    }
    throw cause;
  }
}

/** The keccak256 of a terms document, as `requestAccess` takes it. */
export function termsHashOf(document: Uint8Array): string {
  return keccak256(document);
}
