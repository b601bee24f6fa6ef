/**
 * The CommonJS entry points: every subpath loads with `require`, and decoding works offline.
 */
import assert = require("node:assert/strict");
import { AbiCoder, id } from "ethers";

import protocol = require("@datacoop/protocol");
import errors = require("@datacoop/protocol/errors");
import abi = require("@datacoop/protocol/abi");

const SUBPATHS = [
  "abi",
  "contracts",
  "deployments",
  "errors",
  "attestation",
  "crypto",
  "export",
  "manifest",
  "store",
  "ethers",
  "testing",
] as const;

for (const subpath of SUBPATHS) {
  const loaded: unknown = require(`@datacoop/protocol/${subpath}`);
  assert.equal(typeof loaded, "object", `@datacoop/protocol/${subpath} loads with require()`);
}

const selector = id("RegistryDuplicateContent(bytes32)").slice(0, 10);
const hash = id("content");
const data = selector + AbiCoder.defaultAbiCoder().encode(["bytes32"], [hash]).slice(2);
const decoded = errors.decodeError(data);
assert.equal(decoded?.name, "RegistryDuplicateContent");
assert.equal(decoded?.args[0], hash);
assert.equal(protocol.decodeError(data)?.contract, "ContributionRegistry");

const panic = protocol.decodeError(`0x4e487b71${AbiCoder.defaultAbiCoder().encode(["uint256"], [0x11]).slice(2)}`);
assert.equal(panic?.contract, "builtin");
assert.equal(panic?.name, "Panic");
assert.equal(panic?.args[0], 0x11n);
assert.equal(Object.keys(abi.DATACOOP_ABIS).length, protocol.DATACOOP_CONTRACTS.length);
console.log(`ok: CommonJS entry points (${SUBPATHS.length + 1}) load and decode`);
