/**
 * Contribute: drop a ChatGPT export; it is read, scored and encrypted in a Web Worker, in this browser.
 * The member sees the score and its breakdown before anything leaves the machine, then chooses who may
 * use the data ("do not train" is a choice of its own). Only ciphertext and wrapped keys are ever sent.
 */
import { DATACOOP_ABIS } from "@datacoop/protocol/abi";
import type { ExportScore } from "@datacoop/protocol/export";
import { useEffect, useRef, useState } from "react";
import { hashMessage, recoverPublicKey } from "viem";
import { signMessage } from "viem/actions";
import { useConnectorClient } from "wagmi";

import { PurposeChoices } from "../lib/PurposeChoices";
import { useChain } from "../lib/chain";
import { explainError } from "../lib/errors";
import { deploymentSalt } from "../lib/salt";
import { usePurposes } from "../lib/reads";
import type { FromWorker, Phase, SealedSummary, ToWorker } from "../worker/protocol";

const PHASE_LABEL: Record<Phase, string> = {
  reading: "Reading the export",
  scoring: "Scoring",
  encrypting: "Encrypting",
};
/** Each phase's share of the progress bar. */
const PHASE_SPAN: Record<Phase, readonly [number, number]> = {
  reading: [0, 0.4],
  scoring: [0.4, 0.7],
  encrypting: [0.7, 1],
};
const KEY_MESSAGE = "DataCoop: reveal my public key so that my data key can be wrapped to me.";

export function Contribute() {
  const { account, deployment, chainId, publicClient, runtime } = useChain();
  const { data: wallet } = useConnectorClient();
  const purposes = usePurposes();
  const worker = useRef<Worker | null>(null);
  const [progress, setProgress] = useState<{ phase: Phase; value: number } | null>(null);
  const [score, setScore] = useState<ExportScore | null>(null);
  const [sealed, setSealed] = useState<SealedSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [mask, setMask] = useState(1); // RESEARCH

  useEffect(() => {
    const w = new Worker(new URL("../worker/contribute.worker.ts", import.meta.url), { type: "module" });
    w.onmessage = (event: MessageEvent<FromWorker>) => {
      const m = event.data;
      if (m.type === "progress") {
        const [from, to] = PHASE_SPAN[m.phase];
        setProgress({ phase: m.phase, value: from + (to - from) * m.fraction });
      } else if (m.type === "scored") setScore(m.score);
      else if (m.type === "sealed") setSealed(m.sealed);
      else setError(m.message);
    };
    worker.current = w;
    return () => w.terminate();
  }, []);

  const send = (message: ToWorker) => worker.current?.postMessage(message);

  const onFile = (file: File | undefined) => {
    if (!file || !deployment) return;
    setScore(null);
    setSealed(null);
    setError(null);
    send({ type: "score", file, salt: deploymentSalt(chainId, deployment.contracts.ContributionRegistry) });
  };

  const encrypt = async () => {
    if (!wallet || !account || !deployment) return setError("Connect a wallet first.");
    setError(null);
    try {
      // The contributor's own public key, recovered from a signature: any wallet can give it.
      const signature = await signMessage(wallet, { account, message: KEY_MESSAGE });
      const contributorPublicKey = await recoverPublicKey({ hash: hashMessage(KEY_MESSAGE), signature });
      // Sealed for the current custodian set: a k-of-n split of the data key, share i + 1 to custodian i.
      const setAddress = await publicClient.readContract({
        address: deployment.contracts.AccessEscrow,
        abi: DATACOOP_ABIS.AccessEscrow,
        functionName: "custodianSet",
      });
      const version = await publicClient.readContract({
        address: setAddress,
        abi: DATACOOP_ABIS.CustodianSet,
        functionName: "currentVersion",
      });
      if (version === 0) return setError("The cooperative has no key custodians yet, so nothing can be sealed.");
      const [members, threshold] = await publicClient.readContract({
        address: setAddress,
        abi: DATACOOP_ABIS.CustodianSet,
        functionName: "custodiansAt",
        args: [version],
      });
      send({
        type: "seal",
        custodians: { version, threshold, publicKeys: members.map((m) => m.publicKey) },
        contributorPublicKey,
      });
    } catch (e) {
      setError(explainError(e));
    }
  };

  const canSend = runtime.storeUrl !== null && runtime.validators.length > 0;

  return (
    <section aria-labelledby="contribute-title">
      <h2 id="contribute-title">Contribute</h2>
      <p className="note">
        Your export is read, scored and encrypted here, in this browser. Nothing leaves it until you choose to send the
        encrypted copy; the cooperative never sees your export in the clear.
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
          <h3>Your score (nothing has been sent)</h3>
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
          <button type="button" onClick={encrypt} disabled={!account}>
            Encrypt in this browser
          </button>
        </>
      )}
      {sealed && (
        <>
          <h3>Encrypted</h3>
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
          <button type="button" disabled={!canSend}>
            Upload, get attested and register
          </button>
          {!canSend && (
            <p className="note">
              Sending needs a blob store and validators: this app was started without them (DATACOOP_STORE_URL,
              DATACOOP_VALIDATORS). Nothing has been sent.
            </p>
          )}
        </>
      )}
    </section>
  );
}
