/**
 * The contribute Web Worker: reads and scores the dropped export, then encrypts it under a fresh data key
 * split among the custodians and wrapped to the contributor, all off the page's thread. The export's bytes
 * stay here; the page receives the score and the ciphertext only.
 */
import "../shims/globals";

import { sealContribution } from "@datacoop/protocol/crypto";
import { ExportError, scoreExportBytes } from "@datacoop/protocol/export";

import type { FromWorker, ToWorker } from "./protocol";

let exportBytes: Uint8Array | undefined;

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
    exportBytes = await readWithProgress(message.file);
    post({ type: "progress", phase: "scoring", fraction: 0 });
    const score = scoreExportBytes(exportBytes, { salt: message.salt });
    post({ type: "progress", phase: "scoring", fraction: 1 });
    post({ type: "scored", score });
    return;
  }
  if (exportBytes === undefined) throw new Error("Drop an export first.");
  post({ type: "progress", phase: "encrypting", fraction: 0 });
  const sealed = await sealContribution(exportBytes, {
    custodians: { ...message.custodians, publicKeys: [...message.custodians.publicKeys] },
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
        plaintextBytes: exportBytes.length,
        wrappedKeys: sealed.custody.shares.length + 1,
      },
    },
    [ciphertext.buffer as ArrayBuffer],
  );
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch((error: unknown) => {
    // Export errors name the rule that failed (never the content); anything else is reported by its message.
    const message =
      error instanceof ExportError ? error.message : error instanceof Error ? error.message : String(error);
    post({ type: "error", message });
  });
};
