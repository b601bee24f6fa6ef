import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { getAddress } from "ethers";

import { DATACOOP_CONTRACTS } from "../../src/abi/names";
import { DeploymentError, deploymentFromIgnition, findDeployment, getDeployment } from "../../src/deployments";
import { readIgnitionDeployment } from "../../src/deployments/files";

const address = (i: number) => getAddress(`0x${i.toString(16).padStart(40, "0")}`);
const ignitionOutput = (module: string) => ({
  ...Object.fromEntries(DATACOOP_CONTRACTS.map((name, i) => [`${module}#${name}`, address(i + 1).toLowerCase()])),
  [`${module}#MockUSDC`]: address(99),
});

describe("package: deployments", function () {
  it("reads Ignition's deployed_addresses.json, checksummed, ignoring futures that are not DataCoop contracts", function () {
    const deployment = deploymentFromIgnition(ignitionOutput("DataCoopLocal"), 11155111);
    expect(deployment.chainId).to.equal(11155111);
    expect(deployment.module).to.equal("DataCoopLocal");
    expect(Object.keys(deployment.contracts)).to.have.members([...DATACOOP_CONTRACTS]);
    expect(deployment.contracts.CoopTimelock).to.equal(address(1));
  });

  it("rejects an incomplete or malformed deployment with a message naming what is wrong", function () {
    const incomplete: Record<string, string> = ignitionOutput("DataCoop");
    delete incomplete["DataCoop#AccessEscrow"];
    expect(() => deploymentFromIgnition(incomplete, 1))
      .to.throw(DeploymentError, /no address for AccessEscrow/)
      .with.property("code", "INVALID_DEPLOYMENT");
    expect(() => deploymentFromIgnition({ ...ignitionOutput("DataCoop"), "DataCoop#CoopToken": "0x12" }, 1)).to.throw(
      DeploymentError,
      /is not an address/,
    );
    expect(() => deploymentFromIgnition([], 1)).to.throw(DeploymentError, /expected the object/);
  });

  it("publishes no local chain and says what to do instead", function () {
    expect(findDeployment(31337)).to.equal(undefined);
    expect(() => getDeployment(31337n))
      .to.throw(DeploymentError, /deploymentFromIgnition/)
      .with.property("code", "NOT_DEPLOYED");
  });

  it("reads a deployment directory: its addresses, and its first block from the journal", async function () {
    const root = await mkdtemp(path.join(tmpdir(), "datacoop-deployments-"));
    try {
      await mkdir(path.join(root, "chain-31337"));
      await writeFile(
        path.join(root, "chain-31337", "deployed_addresses.json"),
        JSON.stringify(ignitionOutput("DataCoopLocal")),
      );
      const confirm = (block: number) =>
        JSON.stringify({ type: "TRANSACTION_CONFIRM", receipt: { blockNumber: block } });
      await writeFile(path.join(root, "chain-31337", "journal.jsonl"), `${confirm(7)}\n${confirm(5)}\n{"torn`);
      const read = await readIgnitionDeployment(root, "chain-31337", 31337n);
      expect(read.fromBlock).to.equal(5);
      expect(read.deployment.contracts.CustodianSet).to.equal(address(DATACOOP_CONTRACTS.indexOf("CustodianSet") + 1));
      await readIgnitionDeployment(root, "chain-1", 1).then(
        () => expect.fail("a missing deployment must be refused"),
        (error: unknown) => expect(error).to.be.instanceOf(DeploymentError).with.property("code", "NOT_DEPLOYED"),
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
