import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";

import * as roles from "../../src/roles";
import { exportOf, rolesFixture } from "./fixture";

describe("roles: validator", function () {
  it("k validators signing on their own machines combine when they agree on the deadline, and only then", async function () {
    const fx = await loadFixture(rolesFixture);
    const [first, second] = fx.system.validators;
    const request = {
      contributor: fx.alice.address,
      contentHash: ethers.id("ciphertext"),
      score: roles.scoreExportFor(fx.coop, exportOf("alice", 1)),
    };
    const deadline = (await roles.chainTime(fx.coop.provider)) + 3600n;
    const a = await roles.signAttestationFile(fx.coop, [first], { ...request, deadline });
    await time.increase(30);
    const b = await roles.signAttestationFile(fx.coop, [second], { ...request, deadline });
    const merged = roles.mergeAttestationFiles([
      { file: a, where: "a.json" },
      { file: b, where: "b.json" },
    ]);
    expect(merged.signatures.map((s) => s.validator)).to.deep.equal([first.address, second.address]);

    // Each computing its own deadline from "now + validity" signs a different attestation.
    const c = await roles.signAttestationFile(fx.coop, [second], request);
    expect(() =>
      roles.mergeAttestationFiles([
        { file: a, where: "a.json" },
        { file: c, where: "c.json" },
      ]),
    ).to.throw("attests something else");

    const passed = await roles.signAttestationFile(fx.coop, [first], { ...request, deadline: 1n }).then(
      () => undefined,
      (e: unknown) => e as roles.RoleError,
    );
    expect(passed?.code).to.equal("INVALID_INPUT");
  });
});
