/**
 * `@datacoop/protocol`: the core of the DataCoop package. It imports neither ethers nor viem, so it loads
 * in a project that has either (or neither):
 *
 * - ABIs (`coopTokenAbi`, ..., `DATACOOP_ABIS`), `as const` for viem's and abitype's inference;
 * - the protocol's constants (`PURPOSE_ID`, `REQUEST_STATUS`, `CONTRIBUTION_STATUS`, `PROPOSAL_STATE`);
 * - the deployed addresses per chain (`getDeployment(chainId)`), typed `` `0x${string}` ``, and a local
 *   Ignition deployment read from disk (`readIgnitionDeployment`, Node only);
 * - typed revert decoding (`decodeError(error)`) of raw data, ethers errors and viem errors, and one
 *   message a user can act on per contract error (`ERROR_MESSAGES`, `errorMessage(decoded)`);
 * - the EIP-712 attestation validators sign (`attestationDomain`, `attestationDigest`, `orderSignatures`);
 * - hex, keccak256, EIP-55 and ABI encoding helpers; proposal description hashes and ids;
 * - the off-chain library: export scoring, envelope encryption, blob stores and key manifests.
 *
 * Each part is also a subpath (`/abi`, `/deployments`, `/errors`, `/attestation`, `/crypto`, `/export`,
 * `/manifest`, `/store`). Client adapters: `@datacoop/protocol/viem` and `@datacoop/protocol/ethers`
 * (TypeChain factories; also `/contracts`). Local chains only: `@datacoop/protocol/testing`.
 */
export * from "./abi";
export * from "./codec";
export * from "./deployments";
export { type IgnitionDeployment, defaultDeploymentId, readIgnitionDeployment } from "./deployments/files";
export * from "./errors";
export * from "./protocol/attestation";
export * from "./protocol/constants";
export * from "./protocol/governance";
export * from "./protocol/launch";
export * from "./crypto";
export * from "./export";
export * from "./manifest";
export * from "./store";
