import { expect } from "chai";

import * as ethersTables from "../../src/ethers/constants";
import { CONTRIBUTION_STATUS, PROPOSAL_STATE, REQUEST_STATUS, VOTE_TYPE, enumName } from "../../src/protocol/constants";

describe("package: constants", function () {
  it("generates each enum from the compiler output, members numbered in declaration order", function () {
    expect(Object.keys(REQUEST_STATUS)).to.deep.equal([
      "None",
      "Pending",
      "Approved",
      "Delivered",
      "Rejected",
      "Cancelled",
      "Expired",
      "Undelivered",
    ]);
    expect(CONTRIBUTION_STATUS).to.deep.equal({ None: 0, Active: 1, Revoked: 2, Superseded: 3 });
    expect(PROPOSAL_STATE.Executed).to.equal(7);
    expect(VOTE_TYPE).to.deep.equal({ Against: 0, For: 1, Abstain: 2 });
    for (const table of [REQUEST_STATUS, CONTRIBUTION_STATUS, PROPOSAL_STATE]) {
      expect(Object.values(table)).to.deep.equal(Object.keys(table).map((_, i) => i));
    }
  });

  it("gives ethers the same tables with bigint values, and names a value of either kind", function () {
    expect(ethersTables.REQUEST_STATUS.Undelivered).to.equal(7n);
    expect(Object.values(ethersTables.PROPOSAL_STATE)).to.deep.equal(Object.values(PROPOSAL_STATE).map(BigInt));
    expect(Object.isFrozen(ethersTables.CONTRIBUTION_STATUS)).to.equal(true);
    expect(enumName(REQUEST_STATUS, 2n)).to.equal("Approved");
    expect(enumName(PROPOSAL_STATE, 4)).to.equal("Succeeded");
    expect(enumName(CONTRIBUTION_STATUS, 9)).to.equal(undefined);
  });
});
