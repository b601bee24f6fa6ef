/** Messages between the Contribute page and its Web Worker. Only the ciphertext ever leaves the worker. */
import type { ExportScore } from "@datacoop/protocol/export";

export type Phase = "reading" | "scoring" | "encrypting";

export interface CustodianKeys {
  readonly version: number;
  readonly threshold: number;
  readonly publicKeys: readonly string[];
}

export type ToWorker =
  | { readonly type: "score"; readonly file: File; readonly salt: string }
  | { readonly type: "seal"; readonly custodians: CustodianKeys; readonly contributorPublicKey: string };

export interface SealedSummary {
  readonly contentHash: string;
  readonly keyCommitment: string;
  readonly ciphertext: Uint8Array;
  readonly ciphertextBytes: number;
  readonly plaintextBytes: number;
  /** The data key wrapped (ECIES) to each custodian's share and to the contributor: safe to upload. */
  readonly wrappedKeys: number;
  /** The custodian set the key was split for: k of its n shares rebuild it. */
  readonly custody: { readonly version: number; readonly threshold: number; readonly shares: number };
}

export type FromWorker =
  | { readonly type: "progress"; readonly phase: Phase; readonly fraction: number }
  | { readonly type: "scored"; readonly score: ExportScore }
  | { readonly type: "sealed"; readonly sealed: SealedSummary }
  | { readonly type: "error"; readonly message: string };
