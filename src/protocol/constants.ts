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

/** `IAccessEscrow.Status`, as the contract returns it (ethers decodes a uint8 enum to bigint). */
export const REQUEST_STATUS = {
  None: 0n,
  Pending: 1n,
  Approved: 2n,
  Delivered: 3n,
  Rejected: 4n,
  Cancelled: 5n,
  Expired: 6n,
  Undelivered: 7n,
} as const;
