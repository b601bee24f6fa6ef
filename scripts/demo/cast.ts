/**
 * The people of the demo: who contributes which synthetic export with which consent, and who buys.
 * Pure data; `scripts/demo.ts` plays the story.
 */
import { PURPOSE_ID, type DefaultPurpose } from "../../src/protocol/constants";
import type { SyntheticExportOptions } from "../../test/support/export";

/** The purposes seeded at deployment, by id. */
export const PURPOSE = PURPOSE_ID;
export type PurposeName = DefaultPurpose;

/** A contributor of the demo. */
export interface ContributorPart {
  readonly name: string;
  /** Index into the local signers. */
  readonly signer: number;
  /** The synthetic ChatGPT export they contribute. */
  readonly export: SyntheticExportOptions;
  readonly consents: readonly PurposeName[];
  /** Revokes ("delete my data") before any request is made. */
  readonly revokes?: boolean;
  /** A line of colour for the story. */
  readonly note?: string;
}

/** Planted in alice's export, clearly fake: the refinement must replace both before anything is sealed. */
export const PLANTED = {
  email: "alice.planted@example.invalid",
  key: `sk-proj-${"DemoFakeKey0".repeat(4)}`,
} as const;

const PLANTED_CONVERSATION = {
  id: "conv-demo-planted",
  title: "Deploy the staging bot",
  createTime: 1_704_500_000,
  messages: [
    {
      role: "user",
      text: `Write a short note to ${PLANTED.email}: the staging key is ${PLANTED.key}, rotate it after the demo.`,
    },
    { role: "assistant", text: "Here is the note, without the key in it: please rotate the staging key today." },
  ],
} as const;

export const CONTRIBUTORS: readonly ContributorPart[] = [
  {
    name: "alice",
    signer: 1,
    export: {
      seed: 11,
      conversations: 36,
      userId: "user-AliceDemo000000000000001",
      maxTurns: 7,
      extraConversations: [PLANTED_CONVERSATION],
    },
    consents: ["RESEARCH", "AI_TRAINING", "COMMERCIAL"],
  },
  {
    name: "bob",
    signer: 2,
    export: { seed: 22, conversations: 12, userId: "user-BobDemo00000000000000002", maxTurns: 5 },
    consents: ["RESEARCH", "COMMERCIAL"],
    note: 'says "do not train on my data": no AI_TRAINING',
  },
  {
    name: "carol",
    signer: 3,
    export: { seed: 33, conversations: 24, userId: "user-CarolDemo000000000000003", maxTurns: 6 },
    consents: ["AI_TRAINING", "AI_FINE_TUNING", "COMMERCIAL"],
  },
  {
    name: "dave",
    signer: 4,
    export: { seed: 44, conversations: 10, userId: "user-DaveDemo00000000000000004", maxTurns: 4 },
    consents: ["AI_TRAINING", "COMMERCIAL"],
    revokes: true,
    note: 'then revokes it ("delete my data")',
  },
];

/** The buyers and the account that finalizes and executes (anyone may). */
export const BUYERS = { lab: { name: "OpenMind Labs", signer: 5 }, shady: { name: "ShadyCorp", signer: 6 } } as const;
export const ANYONE = 7;

const DAY = 86_400;
const HOUR = 3_600;

/** Standing terms governance sets (fees in whole USDC). */
export const STANDING_TERMS = {
  AI_TRAINING: { maxDuration: 90 * DAY, objectionWindow: HOUR, objectionThresholdBps: 3_000, minPriceUsdc: 1_000 },
  COMMERCIAL: { maxDuration: 180 * DAY, objectionWindow: HOUR, objectionThresholdBps: 3_000, minPriceUsdc: 2_000 },
} as const;

/** The requests of the story (fees in whole USDC). */
export const REQUESTS = {
  training: {
    purpose: "AI_TRAINING",
    amountUsdc: 1_000,
    duration: 30 * DAY,
    terms: "OpenMind Labs training licence v1",
  },
  commercial: {
    purpose: "COMMERCIAL",
    amountUsdc: 5_000,
    duration: 365 * DAY,
    terms: "OpenMind Labs commercial licence v1",
  },
  lowball: { purpose: "RESEARCH", amountUsdc: 10, duration: 5 * 365 * DAY, terms: "ShadyCorp research terms" },
} as const satisfies Record<string, { purpose: PurposeName; amountUsdc: number; duration: number; terms: string }>;
