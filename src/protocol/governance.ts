/**
 * The Governor's proposal identifiers, computed as OpenZeppelin's `Governor` does, so a client can
 * queue, execute or look up a proposal from the text it was proposed with.
 */
import { encodeAbiParameters } from "../codec/abi";
import type { Hex } from "../codec/hex";
import { keccak256, keccak256Utf8 } from "../codec/keccak";

/** `keccak256(bytes(description))`: what `queue` and `execute` take instead of the description. */
export function proposalDescriptionHash(description: string): Hex {
  return keccak256Utf8(description);
}

/** `hashProposal(targets, values, calldatas, descriptionHash)`, as `Governor.hashProposal` computes it. */
export function proposalId(
  targets: readonly string[],
  values: readonly (bigint | number)[],
  calldatas: readonly string[],
  descriptionHash: string,
): bigint {
  const encoded = encodeAbiParameters(
    [{ type: "address[]" }, { type: "uint256[]" }, { type: "bytes[]" }, { type: "bytes32" }],
    [targets, values, calldatas, descriptionHash],
  );
  return BigInt(keccak256(encoded));
}
