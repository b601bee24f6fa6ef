/**
 * Contribute: drop a ChatGPT export; it is read, scored and refined in a Web Worker, in this browser. The
 * member sees the score and its breakdown before anything leaves the machine and chooses who may use the
 * data ("do not train" is a choice of its own). On "Contribute", the worker encrypts the refined dataset,
 * uploads the ciphertext, and validators (checked against the chain first) attest it over HTTP; the page
 * checks their signatures and registers with one wallet transaction: `contribute`, or `replace` when the
 * member came from "Replace with a newer export" on My data. Only ciphertext and wrapped keys are sent.
 */
import { DATACOOP_ABIS } from "@datacoop/protocol/abi";
import type { ExportScore } from "@datacoop/protocol/export";
import { toAttestationMessage } from "@datacoop/protocol/viem";
import { useEffect, useRef, useState } from "react";
import { type Hex, hashMessage, isHex, recoverPublicKey } from "viem";
import { signMessage } from "viem/actions";
import { useConnectorClient } from "wagmi";

import { PurposeChoices } from "../lib/PurposeChoices";
import { TxStatus, useChain, useSend } from "../lib/chain";
import { explainError } from "../lib/errors";
import { short } from "../lib/format";
import { usePurposes } from "../lib/reads";
import { deploymentSalt } from "../lib/salt";
import { ATTESTATION_VALIDITY, checkValidators, combineAnswers } from "../lib/validators";
import type { Attestations, ContributeRequest, FromWorker, Phase, SealedSummary, ToWorker } from "../worker/protocol";

const PHASE_LABEL: Record<Phase, string> = {
  reading: "Reading the export",
  scoring: "Scoring",
  encrypting: "Encrypting",
  uploading: "Uploading the encrypted copy",
  attesting: "Validators checking the encrypted copy",
};
/** Each phase's share of the progress bar. */
const PHASE_SPAN: Record<Phase, readonly [number, number]> = {
  reading: [0, 0.3],
  scoring: [0.3, 0.5],
  encrypting: [0.5, 0.6],
  uploading: [0.6, 0.75],
  attesting: [0.75, 1],
};
const KEY_MESSAGE = "DataCoop: reveal my public key so that my data key can be wrapped to me.";

/** The contribution a newer export replaces: `#contribute/replace/<content hash>` (from My data). */
function replaceTarget(): Hex | null {
  const match = /^#contribute\/replace\/(0x[0-9a-fA-F]{64})$/.exec(window.location.hash);
  return match && isHex(match[1]) ? match[1] : null;
}

export function Contribute() {
  const { account, deployment, chainId, publicClient, runtime } = useChain();
  const { data: wallet } = useConnectorClient();
  const purposes = usePurposes();
  const { send, state: tx } = useSend();
  const worker = useRef<Worker | null>(null);
  const waiting = useRef<{ resolve: (a: Attestations) => void; reject: (e: Error) => void } | null>(null);
  const [progress, setProgress] = useState<{ phase: Phase; value: number } | null>(null);
  const [score, setScore] = useState<ExportScore | null>(null);
  const [sealed, setSealed] = useState<SealedSummary | null>(null);
  const [registered, setRegistered] = useState<string | null>(null);
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [mask, setMask] = useState(1); // RESEARCH
  const [previous, setPrevious] = useState<Hex | null>(replaceTarget);

  useEffect(() => {
    const onHash = () => setPrevious(replaceTarget());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  // A replacement keeps the consent of the contribution it replaces, unless the member changes it.
  useEffect(() => {
    if (previous === null || !deployment) return;
    let current = true;
    publicClient
      .readContract({
        address: deployment.contracts.ContributionRegistry,
        abi: DATACOOP_ABIS.ContributionRegistry,
        functionName: "contribution",
        args: [previous],
      })
      .then((c) => current && c.purposes !== 0 && setMask(c.purposes))
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [previous, deployment, publicClient]);

  useEffect(() => {
    const w = new Worker(new URL("../worker/contribute.worker.ts", import.meta.url), { type: "module" });
    w.onmessage = (event: MessageEvent<FromWorker>) => {
      const m = event.data;
      if (m.type === "progress") {
        const [from, to] = PHASE_SPAN[m.phase];
        setProgress({ phase: m.phase, value: from + (to - from) * m.fraction });
      } else if (m.type === "scored") setScore(m.score);
      else if (m.type === "sealed") setSealed(m.sealed);
      else if (m.type === "attested") waiting.current?.resolve(m.attested);
      else if (waiting.current) waiting.current.reject(new Error(m.message));
      else setError(m.message);
    };
    worker.current = w;
    return () => w.terminate();
  }, []);

  const post = (message: ToWorker) => worker.current?.postMessage(message);
  const attest = (message: ContributeRequest) =>
    new Promise<Attestations>((resolve, reject) => {
      waiting.current = { resolve, reject };
      post(message);
    }).finally(() => {
      waiting.current = null;
    });

  const onFile = (file: File | undefined) => {
    if (!file || !deployment) return;
    setScore(null);
    setSealed(null);
    setRegistered(null);
    setError(null);
    post({ type: "score", file, salt: deploymentSalt(chainId, deployment.contracts.ContributionRegistry) });
  };

  const storeUrl = runtime.storeUrl;
  const canSend = storeUrl !== null && runtime.validators.length > 0;

  const contribute = async () => {
    if (!wallet || !account || !deployment) return setError("Connect a wallet first.");
    if (storeUrl === null) return setError("This app has no blob store configured.");
    setError(null);
    setWorking(true);
    try {
      const registry = { address: deployment.contracts.ContributionRegistry, abi: DATACOOP_ABIS.ContributionRegistry };
      // Validators first: keys are wrapped only to those the chain vouches for.
      const [{ checked, problems }, k] = await Promise.all([
        checkValidators(publicClient, deployment, runtime.validators),
        publicClient.readContract({ ...registry, functionName: "attestationThreshold" }),
      ]);
      if (checked.length < Number(k))
        throw new Error(
          `${Number(k)} validators must approve, but only ${checked.length} can be reached. ${problems.join(" ")}`,
        );
      // The contributor's own public key, recovered from a signature: any wallet can give it.
      const signature = await signMessage(wallet, { account, message: KEY_MESSAGE });
      const contributorPublicKey = await recoverPublicKey({ hash: hashMessage(KEY_MESSAGE), signature });
      // Sealed for the current custodian set: a k-of-n split of the data key, share i + 1 to custodian i.
      const setAddress = await publicClient.readContract({
        address: deployment.contracts.AccessEscrow,
        abi: DATACOOP_ABIS.AccessEscrow,
        functionName: "custodianSet",
      });
      const custodianSet = { address: setAddress, abi: DATACOOP_ABIS.CustodianSet };
      const version = await publicClient.readContract({ ...custodianSet, functionName: "currentVersion" });
      if (version === 0) throw new Error("The cooperative has no key custodians yet, so nothing can be sealed.");
      const [[members, threshold], block] = await Promise.all([
        publicClient.readContract({ ...custodianSet, functionName: "custodiansAt", args: [version] }),
        publicClient.getBlock(),
      ]);
      const { contentHash, uri, answers } = await attest({
        type: "contribute",
        custodians: { version, threshold, publicKeys: members.map((m) => m.publicKey) },
        contributorPublicKey,
        contributor: account,
        storeUrl,
        validators: checked,
        deadline: block.timestamp + BigInt(ATTESTATION_VALIDITY),
      });
      const { response, signatures } = await combineAnswers(deployment, answers, {
        contributor: account,
        contentHash,
        k: Number(k),
      });
      const attestation = toAttestationMessage(response.attestation);
      const ok =
        previous === null
          ? await send("Register the contribution", {
              contract: "ContributionRegistry",
              functionName: "contribute",
              args: [attestation, signatures, mask, uri],
            })
          : await send("Replace the contribution", {
              contract: "ContributionRegistry",
              functionName: "replace",
              args: [previous, attestation, signatures, mask, uri],
            });
      if (ok) setRegistered(attestation.contentHash);
    } catch (e) {
      setError(explainError(e));
    } finally {
      setWorking(false);
    }
  };

  return (
    <section aria-labelledby="contribute-title">
      <h2 id="contribute-title">{previous === null ? "Contribute" : "Replace a contribution with a newer export"}</h2>
      {previous !== null && (
        <p className="note" data-testid="replacing">
          The new export replaces contribution {short(previous)}: in one transaction, the old one is revoked and the new
          one registered. Earnings already made stay yours.
        </p>
      )}
      <p className="note">
        Your export is read, scored and encrypted here, in this browser. Nothing leaves it until you choose to
        contribute, and then only the encrypted copy: the blob store keeps it, the validators get a copy encrypted to
        them alone to check your score, and the cooperative never sees your export in the clear.
      </p>
      <div
        className="dropzone"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          onFile(e.dataTransfer.files[0]);
        }}
      >
        <label htmlFor="export-file">ChatGPT export (.zip): drop it here or choose it</label>{" "}
        <input
          id="export-file"
          type="file"
          accept=".zip,application/zip"
          onChange={(e) => onFile(e.target.files?.[0])}
        />
      </div>
      {progress && (
        <p>
          <label htmlFor="contribute-progress">{PHASE_LABEL[progress.phase]}</label>
          <progress id="contribute-progress" max={1} value={progress.value} />
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {score && (
        <>
          <h3>Your score {sealed === null && "(nothing has been sent)"}</h3>
          <dl data-testid="score">
            <dt>Units (volume)</dt>
            <dd data-testid="units">{score.units}</dd>
            <dt>Quality</dt>
            <dd data-testid="quality">{(score.quality / 100).toFixed(2)}%</dd>
            <dt>Conversations</dt>
            <dd>
              {score.stats.conversations} ({score.stats.conversationsWithUnits} counted)
            </dd>
            <dt>Scorer</dt>
            <dd>{score.scorerVersion}</dd>
          </dl>
          <table>
            <caption>How the quality was computed</caption>
            <thead>
              <tr>
                <th scope="col">Signal or penalty</th>
                <th scope="col">Value</th>
                <th scope="col">Points</th>
              </tr>
            </thead>
            <tbody>
              {score.breakdown.signals.map((s) => (
                <tr key={s.name}>
                  <td>{s.name}</td>
                  <td>
                    {s.value} (target {s.target})
                  </td>
                  <td>
                    +{s.points} of {s.maxPoints}
                  </td>
                </tr>
              ))}
              {score.breakdown.penalties.map((p) => (
                <tr key={p.name}>
                  <td>{p.name}</td>
                  <td>
                    {p.value} (allowed {p.allowance})
                  </td>
                  <td>−{p.points}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <fieldset className="purposes">
            <legend>Who may use it</legend>
            <PurposeChoices purposes={purposes} mask={mask} onChange={setMask} />
          </fieldset>
          <button type="button" onClick={contribute} disabled={!account || !canSend || working || registered !== null}>
            {previous === null ? "Contribute" : "Replace with this export"}
          </button>
          {!canSend && (
            <p className="note">
              Contributing needs a blob store and validators: this app was started without them (DATACOOP_STORE_URL,
              DATACOOP_VALIDATORS). Nothing has been sent.
            </p>
          )}
        </>
      )}
      {sealed && (
        <>
          <h3>Encrypted and uploaded</h3>
          <dl>
            <dt>Content hash</dt>
            <dd data-testid="content-hash">{sealed.contentHash}</dd>
            <dt>Size</dt>
            <dd>
              {sealed.plaintextBytes} bytes → {sealed.ciphertextBytes} bytes of ciphertext, key wrapped{" "}
              {sealed.wrappedKeys} times
            </dd>
            <dt>Key custody</dt>
            <dd data-testid="custody">
              split {sealed.custody.threshold}-of-{sealed.custody.shares} among the custodians (set version{" "}
              {sealed.custody.version}): any {sealed.custody.threshold} of them together can rebuild it, fewer cannot
            </dd>
          </dl>
        </>
      )}
      <TxStatus state={tx} />
      {registered && (
        <p className="status" data-testid="registered">
          Registered: contribution {short(registered)} is yours, with the consent you chose. It earns from the start of
          the next consent epoch; see My data.
        </p>
      )}
    </section>
  );
}
