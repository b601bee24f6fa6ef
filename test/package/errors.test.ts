import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { AbiCoder, Interface, type JsonFragment, ZeroHash, id } from "ethers";
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
import { OWN_ERROR_PREFIXES } from "../../src/errors/messages";
import { systemFixture } from "../support/fixtures";
import { rejection } from "./rejection";

const abi = AbiCoder.defaultAbiCoder();
const ROOT = path.resolve(__dirname, "..", "..");

/**
 * OpenZeppelin errors our deployed contracts inherit but cannot raise, or raise only where no user action
 * helps: each keeps the decoded signature (`formatDecodedError`) instead of a message, for the reason given.
 */
const OPENZEPPELIN_FALLBACK: Readonly<Record<string, string>> = {
  CheckpointUnorderedInsertion: "checkpoints are keyed by the timestamp clock, which only moves forward",
  ERC20ExceededSafeSupply: "CoopToken's own cap (at most 2^208 - 1) stops minting first",
  ERC20InvalidApprover: "it names the zero address as the owner, which sends no transaction",
  ERC20InvalidSender: "it names the zero address as the sender, which sends no transaction",
  ERC6372InconsistentClock: "CoopToken's clock() and CLOCK_MODE() are both timestamps",
  GovernorInvalidVoteParams: "only fractional counting raises it; CoopGovernor counts simply",
  GovernorQueueNotImplemented: "GovernorTimelockControl implements queueing",
  InvalidShortString: "EIP-712 domain names are fixed at deployment",
  StringTooLong: "EIP-712 domain names are fixed at deployment",
  ReentrancyGuardReentrantCall: "only a hostile token or receiver calling back raises it: nothing for a user to do",
  TimelockInvalidOperationLength: "the Governor checks the lengths first (GovernorInvalidProposalLength)",
  TimelockUnexecutedPredecessor: "the Governor schedules every operation without a predecessor",
};

/** Every `error Name(` declared in the Solidity files under `dir`. */
function declaredErrors(dir: string, skip: (file: string) => boolean = () => false): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    const file = path.join(dir, entry);
    if (!entry.endsWith(".sol") || skip(file)) continue;
    for (const match of readFileSync(file, "utf8").matchAll(/^\s*error\s+([A-Za-z0-9_]+)\s*\(/gm)) names.add(match[1]!);
  }
  return names;
}

interface AbiInput {
  readonly type: string;
  readonly name: string;
  readonly components?: readonly AbiInput[];
}

interface AbiErrorItem {
  readonly type: string;
  readonly name?: string;
  readonly inputs?: readonly AbiInput[];
}

/** Each error of the generated ABIs (src/abi), by name, once. */
function abiErrors(): Map<string, AbiErrorItem> {
  const errors = new Map<string, AbiErrorItem>();
  for (const list of Object.values(DATACOOP_ABIS) as readonly (readonly AbiErrorItem[])[]) {
    for (const item of list) if (item.type === "error") errors.set(item.name!, item);
  }
  return errors;
}

/** A value of each ABI type, distinct per position, to render a message with. */
function sample(input: AbiInput, index: number): unknown {
  const { type } = input;
  if (type === "tuple") return input.components!.map(sample);
  if (type === "address") return `0x${String(index + 1).padStart(40, "0")}`;
  if (type === "bool") return true;
  if (type === "string") return "x";
  if (type === "bytes") return "0x1234";
  if (/^bytes\d+$/.test(type)) return `0x${String(index + 1).padStart(Number(type.slice(5)) * 2, "0")}`;
  if (/^u?int\d*$/.test(type)) return BigInt(index + 2);
  throw new Error(`no sample for ${type}`);
}

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

describe("package: ERROR_MESSAGES covers every error of our contracts", function () {
  const ours = declaredErrors(path.join(ROOT, "contracts"), (file) => file.includes(`${path.sep}mocks${path.sep}`));
  const inAbis = abiErrors();

  it("has a message for every error our deployed contracts declare, each named with an own prefix", function () {
    const own = [...inAbis.keys()].filter((name) => ours.has(name));
    expect(own).to.have.length.greaterThan(50);
    expect(
      own.filter((name) => !(name in ERROR_MESSAGES)),
      "errors without a message",
    ).to.deep.equal([]);
    // The type of ERROR_MESSAGES requires an entry for these prefixes only; an error outside them would
    // be checked by this spec alone.
    const unprefixed = [...ours].filter((name) => !OWN_ERROR_PREFIXES.some((prefix) => name.startsWith(prefix)));
    // LaunchCheck is a pre-launch view outside the package's ABIs; its errors are not decoded.
    expect(unprefixed.filter((name) => inAbis.has(name) || !name.startsWith("LaunchCheck"))).to.deep.equal([]);
  });

  it("leaves on the fallback only OpenZeppelin errors no user can act on, each with its reason", function () {
    const openZeppelin = declaredErrors(path.join(ROOT, "node_modules", "@openzeppelin", "contracts"));
    const fallback = [...inAbis.keys()].filter((name) => !(name in ERROR_MESSAGES)).sort();
    expect(fallback).to.deep.equal(Object.keys(OPENZEPPELIN_FALLBACK).sort());
    for (const name of fallback) {
      expect(openZeppelin.has(name) && !ours.has(name), `${name} is OpenZeppelin's`).to.equal(true);
    }
  });

  it("renders every message as a sentence from the error's decoded arguments", function () {
    for (const [name, item] of inAbis) {
      if (!(name in ERROR_MESSAGES)) continue;
      const data = new Interface([item as JsonFragment]).encodeErrorResult(name, item.inputs!.map(sample));
      const decoded = decodeError(data);
      expect(decoded?.name, name).to.equal(name);
      const message = decoded && errorMessage(decoded);
      expect(message, name).to.match(/^\S.*[.)]$/);
      expect(message, name).not.to.match(/undefined|\[object|NaN/);
    }
  });
});
