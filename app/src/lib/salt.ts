/**
 * The deployment's source-account salt, as validators derive it (`deploymentSalt` of the role library,
 * which is ethers-based): `keccak256(abi.encode(string label, uint256 chainId, address registry))`. The
 * browser test checks both give the same source hash for the same export.
 */
import { type Address, encodeAbiParameters, keccak256 } from "viem";

const SALT_LABEL = "DataCoop source-account salt v1";

export function deploymentSalt(chainId: number, registry: Address): string {
  return keccak256(
    encodeAbiParameters(
      [{ type: "string" }, { type: "uint256" }, { type: "address" }],
      [SALT_LABEL, BigInt(chainId), registry],
    ),
  );
}
