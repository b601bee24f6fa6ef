/**
 * The contribute Web Worker: reads and scores the dropped export and refines it (de-identified, salted with
 * the deployment's salt: the sealed payload validators recompute); then, once the member chooses to send,
 * encrypts the refined dataset under a fresh data key split k-of-n among the custodian set and wrapped to
 * the contributor and to each validator, uploads the ciphertext and its descriptor to the blob store, and
 * asks each validator for an attestation, sending it the export encrypted to it alone. All of it off the
 * page's thread. The export's bytes stay here; the page receives the score, the content hash and the
 * validators' answers.
 */
import "../shims/globals";

import { normalizePublicKey, sealContribution } from "@datacoop/protocol/crypto";
import { ExportError, scoreExportBytes } from "@datacoop/protocol/export";
import { AttestRequestError, buildAttestRequest } from "@datacoop/protocol/protocol/attest-request";
import { askValidator } from "@datacoop/protocol/protocol/validator-http";
import { RefineError, type SealedPayload, sealedPayloadOf } from "@datacoop/protocol/refine";
import { describeSealed, serializeDescriptor } from "@datacoop/protocol/roles/descriptor";
import { HttpBlobStore } from "@datacoop/protocol/store/http";
import { blobKey } from "@datacoop/protocol/store/content-key";
import { BlobStoreError } from "@datacoop/protocol/store/errors";

import type { ContributeRequest, FromWorker, ToWorker, ValidatorAnswer } from "./protocol";

/** The export last scored and its refined dataset (what is sealed; never the raw export). */
let scored: { readonly exportBytes: Uint8Array; readonly refined: SealedPayload } | undefined;

const post = (message: FromWorker) => self.postMessage(message);

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

async function contribute(message: ContributeRequest): Promise<void> {
  if (scored === undefined) throw new Error("Drop an export first.");
  const { exportBytes, refined } = scored;
  post({ type: "progress", phase: "encrypting", fraction: 0 });
  const sealed = await sealContribution(refined.payload, {
    custodians: { ...message.custodians, publicKeys: message.custodians.publicKeys.map(normalizePublicKey) },
    contributorPublicKey: message.contributorPublicKey,
    // Validators decrypt the very ciphertext they sign for; the wallet cannot unwrap the contributor's copy.
    readers: message.validators.map((v) => v.publicKey),
  });
  const store = new HttpBlobStore(message.storeUrl, { retries: 2 });
  const uriFor = (key: string) => `${store.baseUrl}/${key}`;
  const descriptorBytes = serializeDescriptor(
    describeSealed(sealed, uriFor(sealed.contentHash), message.contributorPublicKey),
  );
  const uri = uriFor(blobKey(descriptorBytes));
  post({ type: "progress", phase: "encrypting", fraction: 1 });

  // The ciphertext first: a descriptor in the store always names a ciphertext that is there.
  post({ type: "progress", phase: "uploading", fraction: 0 });
  await store.put(sealed.ciphertext);
  post({ type: "progress", phase: "uploading", fraction: 0.8 });
  await store.put(descriptorBytes);
  post({ type: "progress", phase: "uploading", fraction: 1 });
  post({
    type: "sealed",
    sealed: {
      contentHash: sealed.contentHash,
      ciphertextBytes: sealed.ciphertext.length,
      plaintextBytes: refined.payload.length,
      wrappedKeys: sealed.custody.shares.length + 1 + sealed.readerWrappedKeys.length,
      custody: {
        version: sealed.custody.setVersion,
        threshold: sealed.custody.threshold,
        shares: sealed.custody.shares.length,
      },
      uri,
    },
  });

  let done = 0;
  post({ type: "progress", phase: "attesting", fraction: 0 });
  const answers = await Promise.all(
    message.validators.map(async (validator, i): Promise<ValidatorAnswer> => {
      try {
        const request = buildAttestRequest({
          contributor: message.contributor,
          contentHash: sealed.contentHash,
          uri,
          exportBytes,
          sealedKey: sealed.readerWrappedKeys[i],
          validatorPublicKey: validator.publicKey,
          deadline: message.deadline,
          refine: refined.report.profile,
        });
        return { validator, response: await askValidator(validator.url, request) };
      } catch (error) {
        if (!(error instanceof AttestRequestError)) throw error;
        return { validator, error: error.message };
      } finally {
        done += 1;
        post({ type: "progress", phase: "attesting", fraction: done / message.validators.length });
      }
    }),
  );
  post({ type: "attested", attested: { contentHash: sealed.contentHash, uri, answers } });
}

async function handle(message: ToWorker): Promise<void> {
  if (message.type === "score") {
    scored = undefined;
    const exportBytes = await readWithProgress(message.file);
    post({ type: "progress", phase: "scoring", fraction: 0 });
    const score = scoreExportBytes(exportBytes, { salt: message.salt });
    // Units are the refined messages, as validators count them (scoreExportFor): what is sealed is what is paid for.
    const refined = sealedPayloadOf(exportBytes, { salt: message.salt });
    if (refined.report.units === 0)
      throw new Error("The export has no messages that count as units; there is nothing to contribute.");
    scored = { exportBytes, refined };
    post({ type: "progress", phase: "scoring", fraction: 1 });
    post({ type: "scored", score: { ...score, units: refined.report.units } });
    return;
  }
  await contribute(message);
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch((error: unknown) => {
    // Export, refine and store errors name the rule or the URL that failed (never the content).
    const message =
      error instanceof ExportError || error instanceof RefineError || error instanceof BlobStoreError
        ? error.message
        : error instanceof Error
          ? error.message
          : String(error);
    post({ type: "error", message });
  });
};
