import { launchCheck } from "../../src/protocol/launch";
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import hre from "hardhat";
import { SigningKey, Wallet } from "ethers";

import DataCoop from "../../deploy/modules/DataCoop";
import DataCoopLocal from "../../deploy/modules/DataCoopLocal";
import {
  type ParameterCheckInput,
  type ParameterValues,
  checkChain,
  checkParameters,
  danglingJournalLines,
  declaredParameters,
  isDummyAddress,
} from "../../deploy/preflight";
import { generateKeyPair } from "../../src/crypto";
import { localDevelopmentKey } from "../../src/roles";
import { ACCOUNT_KEY_VARS, publicNetworkAccounts, roleAccountKey } from "../../tasks/accounts";

const HARDHAT_ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const validator1 = Wallet.createRandom().address;
const validator2 = Wallet.createRandom().address;
const custodian = Wallet.createRandom().address;
const custodian2 = Wallet.createRandom().address;
const custodian3 = Wallet.createRandom().address;
/** The custodian list with its first entry replaced. */
const custodiansWith = (first: unknown) => [first, custodian2, custodian3];
/** The key list with its first entry replaced. */
const keysWith = (first: unknown) => [first, generateKeyPair().publicKey, generateKeyPair().publicKey];

/** A complete, correct Sepolia parameter file's module entry. */
function goodSepolia(): Record<string, unknown> {
  return {
    settlementToken: "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238",
    validators: [validator1, validator2],
    attestationThreshold: 2,
    custodians: [custodian, custodian2, custodian3],
    custodianPublicKeys: keysWith(generateKeyPair().publicKey),
    custodianThreshold: 2,
    treasury: "0x0000000000000000000000000000000000000000",
    treasuryShareBps: 500,
    proposalThreshold: "1000000000000000000000",
  };
}

function input(given: ParameterValues | undefined, publicNetwork = true): ParameterCheckInput {
  return {
    moduleId: "DataCoop",
    declared: declaredParameters(DataCoop),
    given,
    publicNetwork,
    wellKnownAccounts: new Set([HARDHAT_ACCOUNT_0.toLowerCase()]),
    isWellKnownPublicKey: (key) => key === localDevelopmentKey("custodian", HARDHAT_ACCOUNT_0).publicKey,
  };
}

/** The parameters named by the issues of `given`. */
function flagged(given: ParameterValues | undefined, publicNetwork = true): string[] {
  return checkParameters(input(given, publicNetwork)).map((issue) => issue.parameter);
}

describe("deploy: pre-flight checks", function () {
  it("reads the parameters, and their defaults, from the built Ignition module", function () {
    const declared = declaredParameters(DataCoop);
    expect(declared.get("settlementToken")?.hasDefault).to.equal(false);
    expect(declared.get("attestationThreshold")?.defaultValue).to.equal(1n);
    expect(declared.has("custodianPublicKeys")).to.equal(true);
    // DataCoopLocal deploys its own token, so it reads no settlementToken.
    expect(declaredParameters(DataCoopLocal).has("settlementToken")).to.equal(false);
  });

  it("passes a complete file, and refuses the shipped placeholder files, naming every parameter at once", async function () {
    expect(checkParameters(input(goodSepolia()))).to.deep.equal([]);
    for (const network of ["sepolia", "baseSepolia"]) {
      const file = JSON.parse(await readFile(`deploy/parameters/${network}.json`, "utf8")) as {
        DataCoop: ParameterValues;
      };
      const issues = checkParameters(input(file.DataCoop));
      expect(issues.map((i) => i.parameter)).to.include.members([
        "validators[0]",
        "validators[1]",
        "custodians[0]",
        "treasury",
        "custodianPublicKeys[0]",
      ]);
      for (const issue of issues) expect(issue.fix.length, issue.parameter).to.be.greaterThan(10);
    }
  });

  it("refuses a file without the module's entry, unknown (mistyped) and missing required parameters", function () {
    expect(flagged(undefined)).to.include("DataCoop");
    expect(flagged({ ...goodSepolia(), quorumPercentt: 4 })).to.deep.equal(["quorumPercentt"]);
    const withoutToken = goodSepolia();
    delete withoutToken.settlementToken;
    expect(flagged(withoutToken)).to.deep.equal(["settlementToken"]);
  });

  it("requires treasury and attestationThreshold stated on a public network, with zero treasury meaning the timelock", function () {
    for (const name of ["treasury", "attestationThreshold"]) {
      const file = goodSepolia();
      delete file[name];
      expect(flagged(file), name).to.deep.equal([name]);
      expect(flagged(file, false), `${name} on a local chain`).to.deep.equal([]);
    }
    expect(
      flagged({ ...goodSepolia(), custodians: custodiansWith("0x0000000000000000000000000000000000000000") }),
    ).to.deep.equal(["custodians[0]"]);
  });

  it("refuses placeholders, zero, dummy and mistyped addresses, and repeated validators", function () {
    for (const dummy of [
      "0x0000000000000000000000000000000000000001",
      "0x000000000000000000000000000000000000dEaD",
      "0xdEAD000000000000000000000000000000000000",
      "0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef",
      "0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF",
      "0x1111111111111111111111111111111111111111",
    ]) {
      expect(isDummyAddress(dummy), dummy).to.equal(true);
      expect(flagged({ ...goodSepolia(), custodians: custodiansWith(dummy) }), dummy).to.deep.equal(["custodians[0]"]);
    }
    expect(isDummyAddress(validator1)).to.equal(false);
    expect(flagged({ ...goodSepolia(), custodians: custodiansWith("REPLACE_ME") })).to.deep.equal(["custodians[0]"]);
    expect(flagged({ ...goodSepolia(), custodians: custodiansWith(custodian.toLowerCase()) })).to.deep.equal([]);
    // A mixed-case address whose checksum is wrong (the D of a checksummed address made lowercase).
    expect(
      flagged({ ...goodSepolia(), custodians: custodiansWith("0x5d6c34D3b1b8bb9794F98c4300993caF26f12275") }),
    ).to.deep.equal(["custodians[0]"]);
    expect(flagged({ ...goodSepolia(), validators: [validator1, validator1] })).to.deep.equal(["validators[1]"]);
  });

  it("refuses Hardhat's default accounts and local development keys on a public network only", function () {
    const devKey = localDevelopmentKey("custodian", HARDHAT_ACCOUNT_0).publicKey;
    const file = {
      ...goodSepolia(),
      custodians: custodiansWith(HARDHAT_ACCOUNT_0),
      custodianPublicKeys: keysWith(devKey),
    };
    expect(flagged(file)).to.deep.equal(["custodians[0]", "custodianPublicKeys[0]"]);
    expect(flagged(file, false)).to.deep.equal([]);
  });

  it("refuses a public key that is not a compressed secp256k1 point", function () {
    const key = generateKeyPair().publicKey;
    for (const bad of [
      "0x04" + key.slice(4) + key.slice(4), // uncompressed form's prefix, wrong length
      "0x05" + key.slice(4), // bad prefix
      "0x02" + "ff".repeat(32), // x beyond the field: not on the curve
      key.slice(0, -2), // 32 bytes
      12,
    ]) {
      expect(flagged({ ...goodSepolia(), custodianPublicKeys: keysWith(bad) }), String(bad)).to.deep.equal([
        "custodianPublicKeys[0]",
      ]);
    }
  });

  it("wants the validators' keys uncompressed (the registry derives each key's address) and custodians' compressed", async function () {
    const file = JSON.parse(await readFile("deploy/parameters/localhost.json", "utf8")) as {
      DataCoopLocal: ParameterValues;
    };
    const local = (given: ParameterValues): string[] =>
      checkParameters({
        ...input(given, false),
        moduleId: "DataCoopLocal",
        declared: declaredParameters(DataCoopLocal),
      }).map((issue) => issue.parameter);
    expect(local(file.DataCoopLocal)).to.deep.equal([]);
    const [first, ...rest] = file.DataCoopLocal.validatorPublicKeys as string[];
    const compressed = SigningKey.computePublicKey(first, true);
    expect(local({ ...file.DataCoopLocal, validatorPublicKeys: [compressed, ...rest] })).to.deep.equal([
      "validatorPublicKeys[0]",
    ]);
  });

  it("refuses an attestation threshold above the number of validators, or below 1", function () {
    expect(flagged({ ...goodSepolia(), attestationThreshold: 3 })).to.deep.equal(["attestationThreshold"]);
    expect(flagged({ ...goodSepolia(), attestationThreshold: 0 })).to.deep.equal(["attestationThreshold"]);
    expect(flagged({ ...goodSepolia(), validators: [validator1], attestationThreshold: 1 }, false)).to.deep.equal([]);
  });

  it("applies the launch rules: a proposal threshold and k ≥ 2 on public networks, and no capturable quorum", function () {
    expect(flagged({ ...goodSepolia(), proposalThreshold: 0 })).to.deep.equal(["proposalThreshold"]);
    expect(flagged({ ...goodSepolia(), validators: [validator1], attestationThreshold: 1 })).to.deep.equal([
      "attestationThreshold",
    ]);
    // One custodian alone must not be able to open every contribution (or withhold every sale).
    expect(flagged({ ...goodSepolia(), custodianThreshold: 1 })).to.deep.equal(["custodianThreshold"]);
    expect(flagged({ ...goodSepolia(), custodianThreshold: 1 }, false)).to.deep.equal([]);
    expect(
      flagged({ ...goodSepolia(), custodianPublicKeys: keysWith(generateKeyPair().publicKey).slice(1) }),
    ).to.deep.equal(["custodianPublicKeys"]);
    // The launch rule itself is issue #10's pure function; any rule plugs in the same way.
    const seen: Record<string, bigint>[] = [];
    const capturable = (verdict: boolean) => (p: Record<string, bigint>) => {
      seen.push(p);
      return { firstReward: 2n * 10n ** 18n, quorum: 10n ** 18n, capturable: verdict };
    };
    const declared = new Map(declaredParameters(DataCoop));
    for (const name of ["maxUnitsPerAttestation", "mintBudget", "quorumFloor"]) {
      declared.set(name, { name, hasDefault: true, defaultValue: 1n });
    }
    const withRule = (verdict: boolean) =>
      checkParameters({ ...input(goodSepolia()), declared, launchRule: capturable(verdict) }).map((i) => i.parameter);
    expect(withRule(true)).to.deep.equal(["quorumFloor"]);
    expect(withRule(false)).to.deep.equal([]);
    expect(seen[0]).to.include({ rewardRate: 10n ** 14n, quorumPercent: 4n, initialSupply: 0n, mintBudget: 1n });
    // The real rule (finding 6) accepts the shipped testnet values and refuses a floor of zero.
    expect(checkParameters({ ...input(goodSepolia()), launchRule: launchCheck })).to.deep.equal([]);
    const noFloor = checkParameters({ ...input({ ...goodSepolia(), quorumFloor: "0" }), launchRule: launchCheck });
    expect(noFloor.map((i) => i.parameter)).to.deep.equal(["quorumFloor"]);
  });

  it("reads the settlement token and the deployer's balance from the chain, read-only", async function () {
    const usdc = await hre.ethers.deployContract("MockUSDC");
    const eighteen = await hre.ethers.deployContract("FalseReturningToken");
    const provider = hre.ethers.provider;
    const before = await provider.getBlockNumber();
    const check = async (settlementToken: string, deployer?: string) =>
      (await checkChain({ provider, networkName: "hardhat", settlementToken, deployer })).map((i) => i.problem);
    expect(await check(await usdc.getAddress())).to.deep.equal([]);
    expect((await check(Wallet.createRandom().address))[0]).to.match(/has no contract on hardhat/);
    expect((await check(await eighteen.getAddress()))[0]).to.match(/has 18 decimals/);
    const [funded] = await hre.ethers.getSigners();
    expect(await check(await usdc.getAddress(), funded.address)).to.deep.equal([]);
    expect((await check(await usdc.getAddress(), Wallet.createRandom().address))[0]).to.match(/holds 0\.0 ETH/);
    expect(await provider.getBlockNumber()).to.equal(before);
  });

  it("ignition deploy refuses a wrong parameter file before sending anything", async function () {
    const before = await hre.ethers.provider.getBlockNumber();
    const parameters = JSON.stringify({
      DataCoopLocal: {
        validators: [validator1],
        attestationThreshold: 2,
        custodians: [custodian],
        custodianPublicKeys: ["0x02REPLACE"],
      },
    });
    const error = await hre
      .run({ scope: "ignition", task: "deploy" }, { modulePath: "deploy/modules/DataCoopLocal.ts", parameters })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error?.message).to.match(/2 problems; nothing was sent/);
    expect(error?.message).to.include("attestationThreshold").and.include("custodianPublicKeys[0]");
    expect(await hre.ethers.provider.getBlockNumber()).to.equal(before);
  });

  it("finds the journal lines of futures that started but sent nothing (Ignition's IGN1 on resume)", function () {
    const line = (type: string, futureId: string) => JSON.stringify({ type, futureId });
    const journal = [
      "",
      line("DEPLOYMENT_EXECUTION_STATE_INITIALIZE", "DataCoop#CoopTimelock"),
      line("NETWORK_INTERACTION_REQUEST", "DataCoop#CoopTimelock"),
      line("DEPLOYMENT_EXECUTION_STATE_COMPLETE", "DataCoop#CoopTimelock"),
      line("STATIC_CALL_EXECUTION_STATE_INITIALIZE", "DataCoop#read"),
      line("CALL_EXECUTION_STATE_INITIALIZE", "DataCoop#Timelock_grantProposer"),
    ].join("\n");
    expect(danglingJournalLines(journal)).to.deep.equal([{ line: 5, futureId: "DataCoop#Timelock_grantProposer" }]);
    expect(danglingJournalLines(journal.split("\n").slice(0, 5).join("\n"))).to.deep.equal([]);
  });
});

describe("deploy: one key per role", function () {
  const saved = { ...process.env };
  afterEach(function () {
    for (const variable of Object.values(ACCOUNT_KEY_VARS)) {
      if (saved[variable] === undefined) delete process.env[variable];
      else process.env[variable] = saved[variable];
    }
  });

  it("reads each role's key from its variable (environment too), deployer first, each key once", function () {
    const deployer = Wallet.createRandom();
    const validator = Wallet.createRandom();
    process.env[ACCOUNT_KEY_VARS.validator] = validator.privateKey;
    process.env[ACCOUNT_KEY_VARS.deployer] = deployer.privateKey.slice(2);
    process.env[ACCOUNT_KEY_VARS.holder] = validator.privateKey;
    expect(roleAccountKey("validator")?.address).to.equal(validator.address);
    expect(roleAccountKey("buyer")).to.equal(undefined);
    expect(publicNetworkAccounts()).to.deep.equal([deployer.privateKey, validator.privateKey]);
  });

  it("names the variable, never the value, when a key is malformed", function () {
    process.env[ACCOUNT_KEY_VARS.custodian] = "0x1234secret";
    expect(() => roleAccountKey("custodian"))
      .to.throw(ACCOUNT_KEY_VARS.custodian)
      .with.property("message")
      .that.does.not.include("1234secret");
  });
});
