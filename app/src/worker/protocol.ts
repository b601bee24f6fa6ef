/**
 * Messages between the Contribute page and its Web Worker. The export's bytes stay in the worker; what
 * leaves it is ciphertext, wrapped keys and the validators' answers.
 */
import type { ExportScore } from "@datacoop/protocol/export";
import type { AttestResponse } from "@datacoop/protocol/protocol/attest-request";

export type Phase = "reading" | "scoring" | "encrypting" | "uploading" | "attesting";

export interface CustodianKeys {
  readonly version: number;
  readonly threshold: number;
  readonly publicKeys: readonly string[];
}

/** A validator the page has checked against the chain: its role and the key the registry publishes for it. */
export interface CheckedValidator {
  readonly url: string;
  readonly address: string;
  /** The published key (uncompressed hex from the registry). */
  readonly publicKey: string;
}

export interface ContributeRequest {
  readonly type: "contribute";
  readonly custodians: CustodianKeys;
  readonly contributorPublicKey: string;
  /** The wallet that will register the contribution. */
  readonly contributor: string;
  readonly storeUrl: string;
  readonly validators: readonly CheckedValidator[];
  /** One deadline for every validator, so their signatures cover one attestation. */
  readonly deadline: bigint;
}

export type ToWorker = { readonly type: "score"; readonly file: File; readonly salt: string } | ContributeRequest;

export interface SealedSummary {
  readonly contentHash: string;
  readonly ciphertextBytes: number;
  readonly plaintextBytes: number;
  /** The data key wrapped (ECIES) to each custodian's share, the contributor and each validator. */
  readonly wrappedKeys: number;
  /** The custodian set the key was split for: k of its n shares rebuild it. */
  readonly custody: { readonly version: number; readonly threshold: number; readonly shares: number };
  /** The registered URI: the descriptor in the blob store (it names the ciphertext). */
  readonly uri: string;
}

/** One validator's answer, or why it gave none. */
export type ValidatorAnswer =
  | { readonly validator: CheckedValidator; readonly response: AttestResponse }
  | { readonly validator: CheckedValidator; readonly error: string };

/** The validators' answers about one upload: its content hash and the URI to register. */
export interface Attestations {
  readonly contentHash: string;
  readonly uri: string;
  readonly answers: readonly ValidatorAnswer[];
}

export type FromWorker =
  | { readonly type: "progress"; readonly phase: Phase; readonly fraction: number }
  | { readonly type: "scored"; readonly score: ExportScore }
  | { readonly type: "sealed"; readonly sealed: SealedSummary }
  | { readonly type: "attested"; readonly attested: Attestations }
  | { readonly type: "error"; readonly message: string };
