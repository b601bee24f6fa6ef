/**
 * The protocol's enum tables with bigint values, as ethers v6 decodes a `uint8`
 * (`(await escrow.getRequest(id)).status === REQUEST_STATUS.Pending`). Derived from the generated tables
 * of the core (`src/protocol/constants.ts`), never written again.
 */
import * as core from "../protocol/constants";

/** `table` with each value as the bigint literal ethers returns (`1` → `1n`, kept as a literal type). */
export type BigIntTable<Table extends Readonly<Record<string, number>>> = {
  readonly [Name in keyof Table]: `${Table[Name]}` extends `${infer Value extends bigint}` ? Value : bigint;
};

function asBigInt<Table extends Readonly<Record<string, number>>>(table: Table): BigIntTable<Table> {
  return Object.freeze(
    Object.fromEntries(Object.entries(table).map(([name, value]) => [name, BigInt(value)])),
  ) as BigIntTable<Table>;
}

/** `IAccessEscrow.Status`, as ethers returns it (bigint). */
export const REQUEST_STATUS = asBigInt(core.REQUEST_STATUS);
/** `IContributionRegistry.Status`, as ethers returns it (bigint). */
export const CONTRIBUTION_STATUS = asBigInt(core.CONTRIBUTION_STATUS);
/** OpenZeppelin `IGovernor.ProposalState`, as ethers returns it (bigint). */
export const PROPOSAL_STATE = asBigInt(core.PROPOSAL_STATE);
