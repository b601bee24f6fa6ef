/**
 * The validators a member's browser asks, checked against the chain with viem before any key is wrapped to
 * them, and their answers checked before anything is registered. The HTTP part is the core's
 * (`validator-http.ts`, the same one the role library uses); what is trusted is only what the chain says:
 * the address holds the registry's validator role, the key is the one the registry publishes for it, and
 * each signature recovers to that address over the attestation of this very upload.
 */
import { DATACOOP_ABIS } from "@datacoop/protocol/abi";
import type { Deployment } from "@datacoop/protocol/deployments";
import type { AttestResponse } from "@datacoop/protocol/protocol/attest-request";
import { fetchValidatorDescription } from "@datacoop/protocol/protocol/validator-http";
import { attestationTypedData, orderSignatures } from "@datacoop/protocol/viem";
import { type Address, type Hex, type PublicClient, getAddress, isAddressEqual, recoverTypedDataAddress } from "viem";

import type { CheckedValidator, ValidatorAnswer } from "../worker/protocol";

/** Seconds a member has to confirm the registration in the wallet once the validators have signed. */
export const ATTESTATION_VALIDITY = 3600;
const DESCRIBE_TIMEOUT_MS = 15_000;

/** A secp256k1 public key in compressed form (`0x02`/`0x03` and x), from either form; lowercase. */
function compressed(key: string): string {
  const hex = key.toLowerCase();
  if (/^0x0[23][0-9a-f]{64}$/.test(hex)) return hex;
  if (!/^0x04[0-9a-f]{128}$/.test(hex)) return "";
  const x = hex.slice(4, 68);
  const yIsOdd = parseInt(hex.slice(-1), 16) % 2 === 1;
  return `0x${yIsOdd ? "03" : "02"}${x}`;
}

/**
 * Describes each validator URL and keeps those the chain vouches for.
 * @returns the checked validators, and one sentence per URL left out
 */
export async function checkValidators(
  client: PublicClient,
  deployment: Deployment,
  urls: readonly string[],
): Promise<{ checked: CheckedValidator[]; problems: string[] }> {
  const registry = { address: deployment.contracts.ContributionRegistry, abi: DATACOOP_ABIS.ContributionRegistry };
  const role = await client.readContract({ ...registry, functionName: "VALIDATOR_ROLE" });
  const results = await Promise.all(
    urls.map(async (url): Promise<CheckedValidator | string> => {
      try {
        const info = await fetchValidatorDescription(url, DESCRIBE_TIMEOUT_MS);
        if (info.chainId !== String(deployment.chainId) || !sameAddress(info.registry, registry.address))
          return `The validator at ${info.url} serves another deployment.`;
        const address = getAddress(info.address);
        const [isValidator, published] = await Promise.all([
          client.readContract({ ...registry, functionName: "hasRole", args: [role, address] }),
          client.readContract({ ...registry, functionName: "validatorPublicKey", args: [address] }),
        ]);
        if (!isValidator) return `${info.url} is not one of the cooperative's validators.`;
        if (published === "0x" || compressed(published) !== compressed(info.publicKey))
          return `${info.url} does not use the key the cooperative publishes for it; nothing is sent to it.`;
        return { url: info.url, address, publicKey: published };
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    }),
  );
  return {
    checked: results.filter((r): r is CheckedValidator => typeof r !== "string"),
    problems: results.filter((r): r is string => typeof r === "string"),
  };
}

function sameAddress(a: string, b: Address): boolean {
  try {
    return isAddressEqual(getAddress(a), b);
  } catch {
    return false;
  }
}

/** What `registry.contribute` (or `replace`) takes from the validators. */
export interface Attested {
  readonly response: AttestResponse;
  readonly signatures: Hex[];
}

/**
 * Keeps the answers whose signature recovers to their validator over an attestation of this upload by this
 * wallet, and returns `k` agreeing ones, signatures in the order the registry wants.
 * @throws Error in words, naming each validator that did not sign
 */
export async function combineAnswers(
  deployment: Deployment,
  answers: readonly ValidatorAnswer[],
  expect: { readonly contributor: Address; readonly contentHash: string; readonly k: number },
): Promise<Attested> {
  const problems: string[] = [];
  const groups = new Map<string, { response: AttestResponse; signed: { validator: string; signature: Hex }[] }>();
  for (const answer of answers) {
    if ("error" in answer) {
      problems.push(answer.error);
      continue;
    }
    const { attestation, signature } = answer.response;
    const typedData = attestationTypedData(deployment.chainId, deployment.contracts.ContributionRegistry, attestation);
    const signer = await recoverTypedDataAddress({ ...typedData, signature: signature as Hex });
    if (!isAddressEqual(signer, getAddress(answer.validator.address))) {
      problems.push(`The answer of ${answer.validator.url} is not signed by its validator.`);
      continue;
    }
    if (
      !isAddressEqual(typedData.message.contributor, expect.contributor) ||
      attestation.contentHash.toLowerCase() !== expect.contentHash.toLowerCase()
    ) {
      problems.push(`${answer.validator.url} attested another upload or wallet.`);
      continue;
    }
    const key = JSON.stringify(typedData.message, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    const group = groups.get(key) ?? { response: answer.response, signed: [] };
    group.signed.push({ validator: answer.validator.address, signature: signature as Hex });
    groups.set(key, group);
  }
  const best = [...groups.values()].sort((a, b) => b.signed.length - a.signed.length)[0];
  if (best === undefined || best.signed.length < expect.k) {
    throw new Error(
      `${best?.signed.length ?? 0} of the ${expect.k} validator approvals needed came back. ${problems.join(" ")}`.trim(),
    );
  }
  return { response: best.response, signatures: orderSignatures(best.signed.slice(0, expect.k)) };
}
