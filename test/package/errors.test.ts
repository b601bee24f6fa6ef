import { expect } from "chai";
import { AbiCoder, ZeroHash, id } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

import { DATACOOP_ABIS } from "../../src/abi";
import {
  ERROR_MESSAGES,
  type ErrorMessages,
  decodeError,
  errorMessage,
  formatDecodedError,
  revertDataOf,
} from "../../src/errors";
import { systemFixture } from "../support/fixtures";
import { rejection } from "./rejection";

const abi = AbiCoder.defaultAbiCoder();

describe("package: decodeError", function () {
  it("decodes a DataCoop custom error from a reverted transaction, by name and arguments", async function () {
    const { registry, alice } = await loadFixture(systemFixture);
    const unknown = id("never registered");
    const error = await rejection(() => registry.connect(alice).revoke(unknown));
    const decoded = decodeError(error);
    expect(decoded?.contract).to.equal("ContributionRegistry");
    expect(decoded?.name).to.equal("RegistryNotActive");
    expect(decoded?.signature).to.equal("RegistryNotActive(bytes32,uint8)");
    expect(decoded?.args.contentHash).to.equal(unknown);
    expect(decoded?.args.status).to.equal(0n);
  });

  it("decodes an inherited OpenZeppelin error and names the contract that was called", async function () {
    const { escrow, alice } = await loadFixture(systemFixture);
    const error = await rejection(() => escrow.connect(alice).setTreasury.staticCall(alice.address));
    const decoded = decodeError(error, { contract: "AccessEscrow" });
    expect(decoded?.name).to.equal("AccessControlUnauthorizedAccount");
    expect(decoded?.contract).to.equal("AccessEscrow");
    expect(decoded?.contracts).to.include.members(["ContributionRegistry", "RevenueDistributor", "AccessEscrow"]);
    expect([...(decoded?.args ?? [])]).to.deep.equal([alice.address, ZeroHash]);
  });

  it("decodes raw revert data, bytes included, and Solidity's Error and Panic", function () {
    const data = id("RegistryZeroUnits()").slice(0, 10);
    expect(decodeError(data)?.name).to.equal("RegistryZeroUnits");
    expect(decodeError(Uint8Array.from(Buffer.from(data.slice(2), "hex")))?.name).to.equal("RegistryZeroUnits");
    const reason = decodeError(`0x08c379a0${abi.encode(["string"], ["no"]).slice(2)}`);
    expect(reason).to.include({ contract: "builtin", name: "Error", signature: "Error(string)" });
    expect(reason?.args[0]).to.equal("no");
    const panic = decodeError(`0x4e487b71${abi.encode(["uint256"], [0x12]).slice(2)}`);
    expect(panic?.name).to.equal("Panic");
    expect(panic?.args[0]).to.equal(0x12n);
  });

  it("returns undefined for unknown selectors, undecodable arguments and errors without revert data", function () {
    expect(decodeError("0xdeadbeef")).to.equal(undefined);
    expect(decodeError(id("RegistryDuplicateContent(bytes32)").slice(0, 10))).to.equal(undefined);
    expect(decodeError("0x")).to.equal(undefined);
    expect(decodeError(new Error("network down"))).to.equal(undefined);
    expect(decodeError(undefined)).to.equal(undefined);
  });

  it("finds revert data where providers nest it", function () {
    const data = id("RegistryZeroSourceHash()").slice(0, 10);
    expect(revertDataOf({ data })).to.equal(data);
    expect(revertDataOf({ error: { error: { data } } })).to.equal(data);
    expect(revertDataOf({ info: { error: { code: 3, data } } })).to.equal(data);
    expect(revertDataOf(new Error("wrapped", { cause: { data } }))).to.equal(data);
    const cyclic: Record<string, unknown> = {};
    cyclic.error = cyclic;
    expect(revertDataOf(cyclic)).to.equal(undefined);
  });
});

describe("package: ERROR_MESSAGES", function () {
  it("words a decoded contract error from its typed arguments", async function () {
    const { registry, alice } = await loadFixture(systemFixture);
    const unknown = id("never registered");
    const decoded = decodeError(await rejection(() => registry.connect(alice).revoke(unknown)));
    expect(decoded && errorMessage(decoded)).to.equal(
      `The contribution ${unknown} is None; only an active contribution can change.`,
    );
    expect(decoded && formatDecodedError(decoded)).to.equal(`RegistryNotActive(${unknown}, 0)`);
  });

  it("has entries only for errors the ABIs declare, and none for an internal check", function () {
    const declared = new Set(
      Object.values(DATACOOP_ABIS).flatMap((abi) =>
        (abi as readonly { type: string; name?: string }[]).filter((i) => i.type === "error").map((i) => i.name),
      ),
    );
    expect(Object.keys(ERROR_MESSAGES).filter((name) => !declared.has(name))).to.deep.equal([]);
    const panic = decodeError(`0x4e487b71${abi.encode(["uint256"], [0x11]).slice(2)}`);
    expect(panic && errorMessage(panic)).to.equal(undefined);
    const reason = decodeError(`0x08c379a0${abi.encode(["string"], ["no"]).slice(2)}`);
    expect(reason && errorMessage(reason)).to.equal("The contract refused: no");
  });

  it("tells a voter why a proposal refuses, by its state: a vote before the snapshot says when voting opens", function () {
    const selector = id("GovernorUnexpectedProposalState(uint256,uint8,bytes32)").slice(0, 10);
    const refusal = (state: number) =>
      decodeError(`${selector}${abi.encode(["uint256", "uint8", "bytes32"], [7n, state, ZeroHash]).slice(2)}`);
    const pending = refusal(0);
    expect(pending && errorMessage(pending)).to.equal(
      "Proposal 7 is Pending, which does not allow this. Voting opens after the proposal's snapshot (the voting delay); vote then.",
    );
    const succeeded = refusal(4);
    expect(succeeded && errorMessage(succeeded)).to.match(/is Succeeded, .* queue it next\.$/);
    const executed = refusal(7);
    expect(executed && errorMessage(executed)).to.equal("Proposal 7 is Executed, which does not allow this.");
  });

  it("is typed by error name: a renamed or misspelt error is a type error", function () {
    const renamed = {
      // @ts-expect-error: no DataCoop contract declares `RegistryDuplicate`.
      RegistryDuplicate: () => "renamed",
    } satisfies ErrorMessages;
    expect(Object.keys(renamed)).to.have.length(1);
  });
});
