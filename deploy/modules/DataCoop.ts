import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ArgumentType, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { ZeroAddress, id } from "ethers";
import { DEFAULT_PURPOSES } from "../../src/protocol/constants";

/**
 * The whole DataCoop system, deployed and wired as one ordered story:
 *
 * 1. the TimelockController, with the deployer as a temporary admin;
 * 2. the governance token (optional initial supply) and the Governor;
 * 3. the RevenueDistributor and the ContributionRegistry (purposes seeded, validators granted),
 *    both administered by the timelock; the registry becomes the token's only minter;
 * 4. the AccessEscrow, wired into the distributor as its depositor;
 * 5. the Governor becomes the timelock's only proposer and canceller; anyone may execute;
 * 6. the deployer renounces its timelock admin role: from here on only proposals change anything.
 *
 * Every parameter has a default suited to a public testnet; `deploy/parameters/<network>.json`
 * overrides them (short periods and local validator accounts for local runs).
 */
export const TIMELOCK_ROLES = {
  admin: "0x0000000000000000000000000000000000000000000000000000000000000000",
  proposer: id("PROPOSER_ROLE"),
  executor: id("EXECUTOR_ROLE"),
  canceller: id("CANCELLER_ROLE"),
} as const;

export { DEFAULT_PURPOSES };

const HOUR = 60n * 60n;
const DAY = 24n * HOUR;

/** Builds the protocol inside module `m`, paid in `settlementToken` (an address parameter or a future). */
export function buildDataCoop(m: IgnitionModuleBuilder, settlementToken: ArgumentType) {
  const deployer = m.getAccount(0);

  // --- 1. Timelock ----------------------------------------------------------------------------
  const timelock = m.contract("CoopTimelock", [
    m.getParameter<bigint>("timelockDelay", HOUR),
    [],
    [ZeroAddress],
    deployer,
  ]);

  // --- 2. Token and Governor -------------------------------------------------------------------
  const token = m.contract("CoopToken", [
    m.getParameter<string>("tokenName", "DataCoop"),
    m.getParameter<string>("tokenSymbol", "COOP"),
    m.getParameter<bigint>("tokenCap", 1_000_000_000n * 10n ** 18n),
    m.getParameter("initialHolder", deployer),
    m.getParameter<bigint>("initialSupply", 0n),
  ]);
  const governor = m.contract("CoopGovernor", [
    token,
    timelock,
    {
      votingDelay: m.getParameter<bigint>("votingDelay", HOUR),
      votingPeriod: m.getParameter<bigint>("votingPeriod", DAY),
      proposalThreshold: m.getParameter<bigint>("proposalThreshold", 0n),
      quorumNumerator: m.getParameter<bigint>("quorumPercent", 4n),
      lateQuorumExtension: m.getParameter<bigint>("lateQuorumExtension", 6n * HOUR),
    },
  ]);

  // --- 3. Revenue ledger and registry ----------------------------------------------------------
  const distributor = m.contract("RevenueDistributor", [settlementToken, timelock]);
  const registry = m.contract("ContributionRegistry", [
    token,
    distributor,
    timelock,
    m.getParameter<bigint>("rewardRate", 10n ** 14n),
    m.getParameter<bigint>("attestationThreshold", 1n),
    m.getParameter<string[]>("validators", []),
    m.getParameter<string[]>("purposeNames", [...DEFAULT_PURPOSES]),
    m.getParameter<string[]>(
      "purposeURIs",
      DEFAULT_PURPOSES.map((name) => `datacoop:purpose/${name.toLowerCase()}`),
    ),
  ]);
  const setMinter = m.call(token, "setMinter", [registry]);

  // --- 4. Escrow --------------------------------------------------------------------------------
  const escrow = m.contract("AccessEscrow", [
    settlementToken,
    token,
    registry,
    distributor,
    timelock,
    m.getParameter<string>("treasury", ZeroAddress),
    {
      treasuryShareBps: m.getParameter<bigint>("treasuryShareBps", 500n),
      decisionPeriod: m.getParameter<bigint>("decisionPeriod", 7n * DAY),
      deliveryPeriod: m.getParameter<bigint>("deliveryPeriod", 3n * DAY),
    },
    m.getParameter<string>("custodian", ZeroAddress),
    m.getParameter<string>("custodianPublicKey", "0x"),
  ]);
  const wire = m.call(distributor, "wire", [registry, escrow]);

  // --- 5. Governor takes the timelock ----------------------------------------------------------
  const grantProposer = m.call(timelock, "grantRole", [TIMELOCK_ROLES.proposer, governor], {
    id: "Timelock_grantProposer",
  });
  const grantCanceller = m.call(timelock, "grantRole", [TIMELOCK_ROLES.canceller, governor], {
    id: "Timelock_grantCanceller",
  });

  // --- 6. Hand over: the deployer keeps nothing ------------------------------------------------
  m.call(timelock, "renounceRole", [TIMELOCK_ROLES.admin, deployer], {
    id: "Timelock_renounceDeployerAdmin",
    after: [grantProposer, grantCanceller, setMinter, wire],
  });

  return { timelock, token, governor, distributor, registry, escrow };
}

/** The protocol on a network whose settlement token exists (parameter `settlementToken`, e.g. USDC). */
export default buildModule("DataCoop", (m) => buildDataCoop(m, m.getParameter<string>("settlementToken")));
