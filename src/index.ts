/**
 * `@datacoop/protocol`: everything an integrator needs to use the DataCoop contracts and data formats.
 *
 * - ABIs (`coopTokenAbi`, ..., `DATACOOP_ABIS`) and TypeChain (ethers v6) types and factories
 *   (`ContributionRegistry__factory.connect(address, runner)`);
 * - the deployed addresses per chain (`getDeployment(chainId)`);
 * - typed revert decoding (`decodeError(error)`);
 * - the EIP-712 attestation validators sign (`signAttestation`, `attestationDigest`);
 * - the off-chain library: export scoring, envelope encryption, blob stores and key manifests.
 *
 * Each part is also a subpath (`@datacoop/protocol/abi`, `/contracts`, `/deployments`, `/errors`,
 * `/attestation`, `/crypto`, `/export`, `/manifest`, `/store`) for smaller imports.
 */
export * from "./abi";
export * from "./typechain";
export * from "./deployments";
export * from "./errors";
export * from "./protocol/attestation";
export * from "./protocol/constants";
export * from "./protocol/launch";
export * from "./crypto";
export * from "./export";
export * from "./manifest";
export * from "./store";
