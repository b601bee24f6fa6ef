/**
 * The deployable DataCoop contracts, in deployment order: the one list the package's ABIs, types,
 * deployments and error decoding are generated from (see `scripts/package/generate.ts`).
 */
export const DATACOOP_CONTRACTS = [
  "CoopTimelock",
  "CoopToken",
  "CoopGovernor",
  "RevenueDistributor",
  "ContributionRegistry",
  "CustodianSet",
  "AccessEscrow",
] as const;

/** The name of a deployable DataCoop contract. */
export type DataCoopContractName = (typeof DATACOOP_CONTRACTS)[number];
