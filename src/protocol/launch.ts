/**
 * Launch parameters that bound what one compromised validator key, or one first contributor, can do
 * (findings 2 and 6 of the contracts review), and the rule the deployment enforces on them.
 */
import { DEFAULT_EXPORT_LIMITS } from "../export/limits";

/**
 * The fewest bytes of `conversations.json` one unit (a non-empty message) can take: a mapping node with
 * its id, parent and children links, an author role and one non-empty text part, e.g.
 * `"a":{"id":"a","parent":null,"children":[],"message":{"author":{"role":"u"},"content":{"parts":["x"]}}},`
 * is 103 bytes; 64 is a safe lower bound.
 */
export const MIN_BYTES_PER_UNIT = 64;

/**
 * Default `maxUnitsPerAttestation`: the most units the scorer can report for an export it accepts. The
 * reader refuses more than `maxTotalUncompressedBytes` (4 GiB) of uncompressed content, and every unit
 * takes at least {@link MIN_BYTES_PER_UNIT} bytes of it, so no accepted export exceeds 4 GiB / 64 = 2^26
 * (67,108,864) units. The heaviest real accounts (50,000 conversations, about 1 million messages) are
 * far below it; an attestation above it cannot come from a real export.
 */
export const MAX_UNITS_PER_ATTESTATION = Math.floor(
  DEFAULT_EXPORT_LIMITS.maxTotalUncompressedBytes / MIN_BYTES_PER_UNIT,
);

/** Quality is in basis points: at most 10,000 per unit. */
const MAX_QUALITY_BPS = 10_000n;

/** The launch parameters the rule reads, as in `deploy/parameters/<network>.json` (token units in wei). */
export interface LaunchParameters {
  /** Governance tokens minted per unit of weight (`rewardRate`). */
  readonly rewardRate: bigint;
  /** `maxUnitsPerAttestation`. */
  readonly maxUnitsPerAttestation: bigint;
  /** `mintBudget`: most reward tokens per mint window. */
  readonly mintBudget: bigint;
  /** `tokenCap`. */
  readonly tokenCap: bigint;
  /** `initialSupply`. */
  readonly initialSupply: bigint;
  /** `quorumPercent` (the Governor's quorum numerator, out of 100). */
  readonly quorumPercent: bigint;
  /** `quorumFloor`, in votes (token wei). */
  readonly quorumFloor: bigint;
}

/** What {@link launchCheck} found. */
export interface LaunchCheckResult {
  /** The most one attestation can be rewarded: the votes one first contribution brings. */
  readonly firstReward: bigint;
  /** The quorum once that reward is minted. */
  readonly quorum: bigint;
  /** True when one first contribution reaches quorum alone: the deployment refuses such parameters. */
  readonly capturable: boolean;
}

/**
 * The launch rule (the same as `contracts/LaunchCheck.sol`, which the deployment module runs on-chain):
 * one first contribution brings at most `r = min(maxUnits × 10,000 × rewardRate, mintBudget, cap − supply)`
 * votes; after it the quorum is `max(quorumFloor, (initialSupply + r) × quorumPercent / 100)`. The launch is
 * capturable when `r` reaches that quorum. Pure, for pre-flight checks of parameter files.
 */
export function launchCheck(p: LaunchParameters): LaunchCheckResult {
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  const byUnits = p.maxUnitsPerAttestation * MAX_QUALITY_BPS * p.rewardRate;
  const firstReward = min(min(byUnits, p.mintBudget), p.tokenCap - p.initialSupply);
  const fraction = ((p.initialSupply + firstReward) * p.quorumPercent) / 100n;
  const quorum = p.quorumFloor > fraction ? p.quorumFloor : fraction;
  return { firstReward, quorum, capturable: firstReward >= quorum };
}
