/**
 * The contribute Web Worker: reads and scores the dropped export, refines it (de-identified, salted with the
 * deployment's salt: the sealed payload validators recompute), then encrypts the refined dataset under a fresh
 * data key split k-of-n among the custodian set and wrapped to the contributor, all off the page's thread.
 * The export's bytes stay here; the page receives the score and the ciphertext only.
 */
import "../shims/globals";

import { normalizePublicKey, sealContribution } from "@datacoop/protocol/crypto";
import { ExportError, scoreExportBytes } from "@datacoop/protocol/export";
import { RefineError, type SealedPayload, sealedPayloadOf } from "@datacoop/protocol/refine";

import type { FromWorker, ToWorker } from "./protocol";

/** The refined dataset of the export last scored: what is sealed (never the raw export). */
let refined: SealedPayload | undefined;

const post = (message: FromWorker, transfer: Transferable[] = []) => self.postMessage(message, { transfer });

async function readWithProgress(file: File): Promise<Uint8Array> {
  const out = new Uint8Array(file.size);
  const reader = file.stream().getReader();
  let at = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value, at);
    at += value.length;
    post({ type: "progress", phase: "reading", fraction: file.size ? at / file.size : 1 });
  }
  return out;
}

async function handle(message: ToWorker): Promise<void> {
  if (message.type === "score") {
    refined = undefined;
    const exportBytes = await readWithProgress(message.file);
    post({ type: "progress", phase: "scoring", fraction: 0 });
    const score = scoreExportBytes(exportBytes, { salt: message.salt });
    // Units are the refined messages, as validators count them (scoreExportFor): what is sealed is what is paid for.
    const payload = sealedPayloadOf(exportBytes, { salt: message.salt });
    if (payload.report.units === 0)
      throw new Error("The export has no messages that count as units; there is nothing to contribute.");
    refined = payload;
    post({ type: "progress", phase: "scoring", fraction: 1 });
    post({ type: "scored", score: { ...score, units: payload.report.units } });
    return;
  }
  if (refined === undefined) throw new Error("Drop an export first.");
  post({ type: "progress", phase: "encrypting", fraction: 0 });
  const sealed = await sealContribution(refined.payload, {
    custodians: { ...message.custodians, publicKeys: message.custodians.publicKeys.map(normalizePublicKey) },
    contributorPublicKey: message.contributorPublicKey,
  });
  post({ type: "progress", phase: "encrypting", fraction: 1 });
  const ciphertext = sealed.ciphertext;
  post(
    {
      type: "sealed",
      sealed: {
        contentHash: sealed.contentHash,
        keyCommitment: sealed.keyCommitment,
        ciphertext,
        ciphertextBytes: ciphertext.length,
        plaintextBytes: refined.payload.length,
        wrappedKeys: sealed.custody.shares.length + 1,
        custody: {
          version: sealed.custody.setVersion,
          threshold: sealed.custody.threshold,
          shares: sealed.custody.shares.length,
        },
      },
    },
    [ciphertext.buffer as ArrayBuffer],
  );
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch((error: unknown) => {
    // Export and refine errors name the rule that failed (never the content); anything else by its message.
    const message =
      error instanceof ExportError || error instanceof RefineError
        ? error.message
        : error instanceof Error
          ? error.message
          : String(error);
    post({ type: "error", message });
  });
};
