import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystem, systemFixture, timelockSigner } from "../support/fixtures";
import { contribute, uniqueHash } from "../support/contribute";

const RATE = 10n ** 14n;

/**
 * Finding 7 (informational): units contributed while the reward rate was 0, or whose mint was cut at the cap,
 * were recorded as paid and could never earn later. Rule: only units actually rewarded are recorded as paid.
 */
describe("Finding 7: units marked as paid that were never paid", function () {
  it("does not record units contributed at rate 0 as paid: a later upload earns them", async function () {
    const system = await loadFixture(systemFixture);
    const { registry, token, alice } = system;
    await registry.connect(await timelockSigner(system)).setRewardRate(0);
    const source = uniqueHash("chatgpt-user");
    const first = await contribute(system, alice, { sourceHash: source, units: 1000, quality: 8000 });
    expect(await token.balanceOf(alice)).to.equal(0n);
    expect((await registry.contribution(first.attestation.contentHash)).sourcePaidUnits).to.equal(0n);
    expect((await registry.source(source))[2]).to.equal(0n);

    await registry.connect(await timelockSigner(system)).setRewardRate(RATE);
    await contribute(system, alice, { sourceHash: source, units: 1000, quality: 8000 });
    expect(await token.balanceOf(alice)).to.equal(1000n * 8000n * RATE);
    expect((await registry.source(source))[2]).to.equal(1000n);
  });

  it("records only the whole units rewarded when the mint is cut at the cap", async function () {
    const cap = 1000n * 8000n * RATE + 400n * 8000n * RATE + 1n; // room for 1,400 units and a fraction
    const system = await deploySystem({ tokenCap: cap });
    const [, alice, bob] = system.signers;
    await contribute(system, alice, { units: 1000, quality: 8000 });
    const source = uniqueHash("bob's account");
    const { attestation } = await contribute(system, bob, { sourceHash: source, units: 1000, quality: 8000 });
    expect(await system.token.balanceOf(bob)).to.equal(400n * 8000n * RATE);
    expect((await system.registry.contribution(attestation.contentHash)).sourcePaidUnits).to.equal(400n);
    expect(await system.token.totalSupply()).to.equal(cap - 1n);
  });
});
