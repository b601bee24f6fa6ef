/**
 * The protocol's constants, one table each. The enums come from the compiler output (generated into
 * `src/abi/enums.ts` by `scripts/package/generate.ts`), with each member's uint8 value as a number: what
 * viem returns for a `uint8`. ethers returns bigint; `@datacoop/protocol/ethers` exports the same tables
 * with bigint values.
 */
import { CONTRIBUTION_STATUS, PROPOSAL_STATE, REQUEST_STATUS, VOTE_TYPE } from "../abi/enums";

export { CONTRIBUTION_STATUS, PROPOSAL_STATE, REQUEST_STATUS, VOTE_TYPE };

/** The consent purposes seeded at deployment, in bit order. Governance can rename them and add up to 16. */
export const DEFAULT_PURPOSES = [
  "RESEARCH",
  "ANALYTICS",
  "AI_TRAINING",
  "AI_FINE_TUNING",
  "AI_EVALUATION",
  "COMMERCIAL",
] as const;

/** The name of a seeded purpose. */
export type DefaultPurpose = (typeof DEFAULT_PURPOSES)[number];

/** The id (bit position in a consent mask) of each seeded purpose. */
export const PURPOSE_ID = {
  RESEARCH: 0,
  ANALYTICS: 1,
  AI_TRAINING: 2,
  AI_FINE_TUNING: 3,
  AI_EVALUATION: 4,
  COMMERCIAL: 5,
} as const satisfies { readonly [Name in DefaultPurpose]: number };

/** An `IAccessEscrow.Status` member's name. */
export type RequestStatusName = keyof typeof REQUEST_STATUS;
/** An `IAccessEscrow.Status` value (uint8). */
export type RequestStatus = (typeof REQUEST_STATUS)[RequestStatusName];
/** An `IContributionRegistry.Status` member's name. */
export type ContributionStatusName = keyof typeof CONTRIBUTION_STATUS;
/** An `IContributionRegistry.Status` value (uint8). */
export type ContributionStatus = (typeof CONTRIBUTION_STATUS)[ContributionStatusName];
/** An OpenZeppelin `IGovernor.ProposalState` member's name. */
export type ProposalStateName = keyof typeof PROPOSAL_STATE;
/** An OpenZeppelin `IGovernor.ProposalState` value (uint8). */
export type ProposalState = (typeof PROPOSAL_STATE)[ProposalStateName];
/** An OpenZeppelin `GovernorCountingSimple.VoteType` member's name (`castVote`'s `support`). */
export type VoteTypeName = keyof typeof VOTE_TYPE;

/**
 * The name of `value` in one of the enum tables above (`enumName(REQUEST_STATUS, 2n)` is `"Approved"`),
 * for a value as ethers (bigint) or viem (number) returns it; `undefined` when it is not a member.
 */
export function enumName<Table extends Readonly<Record<string, number>>>(
  table: Table,
  value: bigint | number,
): (keyof Table & string) | undefined {
  for (const [name, member] of Object.entries(table)) {
    if (BigInt(member) === BigInt(value)) return name as keyof Table & string;
  }
  return undefined;
}
