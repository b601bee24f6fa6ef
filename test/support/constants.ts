/**
 * Constants the specs share, each taken from its source of truth: purposes and enum tables from the tables
 * generated out of the compiler output (`src/abi/enums.ts`), numbers the contracts define restated once here.
 */
export { PURPOSE_ID as Purpose } from "../../src/protocol/constants";
export {
  CONTRIBUTION_STATUS as ContributionStatus,
  PROPOSAL_STATE as ProposalState,
  REQUEST_STATUS as Status,
} from "../../src/ethers/constants";

export const HOUR = 3600n;
export const DAY = 24n * HOUR;

/** The bit of `purpose` in a consent mask. */
export const bit = (purpose: number): number => 1 << purpose;

/** `RevenueDistributor.PRECISION`: the accumulator's scale (revenue per unit of weight × 1e18). */
export const PRECISION = 10n ** 18n;

/** The secp256k1 field prime, the bound `Secp256k1PublicKey` checks coordinates against. */
export const SECP256K1_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
