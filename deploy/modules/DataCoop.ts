import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ArgumentType, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { ZeroAddress, id } from "ethers";
import { DEFAULT_PURPOSES } from "../../src/protocol/constants";
import { MAX_UNITS_PER_ATTESTATION } from "../../src/protocol/launch";

/**
 * The whole DataCoop system, deployed and wired as one ordered story:
 *
 * 1. the TimelockController, with the deployer as a temporary admin;
 * 2. the governance token (optional initial supply) and the Governor;
 * 3. the RevenueDistributor and the ContributionRegistry (purposes seeded, validators granted),
 *    both administered by the timelock; the registry becomes the token's only minter;
 * 4. the CustodianSet (k-of-n key custodians, administered by the timelock) and the AccessEscrow that
 *    counts their posts, wired into the distributor as its depositor;
 * 5. the Governor becomes the timelock's only proposer and canceller; anyone may execute;
 * 6. the deployer renounces its timelock admin role: from here on only proposals change anything;
 * 7. the launch check: deployment fails (`LaunchCheckCapturable`) if one first contribution could meet
 *    quorum alone (`launchCheck` in `src/protocol/launch.ts` states the same rule for pre-flight checks), or
 *    (`LaunchCheckCustodianThreshold`) if fewer than two custodians are needed to deliver.
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
const COOP = 10n ** 18n;

/**
 * Defaults of the bounds on minting and capture (findings 2 and 6), suited to a public testnet: one
 * attestation mints at most 100,000 COOP a day in all, a proposal needs 1,000,000 votes whatever the supply
 * (ten days of the whole budget) and 1,000 COOP to be made.
 */
export const LAUNCH_DEFAULTS = {
  consentEpoch: HOUR,
  maxUnitsPerAttestation: BigInt(MAX_UNITS_PER_ATTESTATION),
  mintBudget: 100_000n * COOP,
  mintPeriod: DAY,
  quorumFloor: 1_000_000n * COOP,
  proposalThreshold: 1_000n * COOP,
} as const;

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
      proposalThreshold: m.getParameter<bigint>("proposalThreshold", LAUNCH_DEFAULTS.proposalThreshold),
      quorumNumerator: m.getParameter<bigint>("quorumPercent", 4n),
      lateQuorumExtension: m.getParameter<bigint>("lateQuorumExtension", 6n * HOUR),
      quorumFloor: m.getParameter<bigint>("quorumFloor", LAUNCH_DEFAULTS.quorumFloor),
    },
  ]);

  // --- 3. Revenue ledger and registry ----------------------------------------------------------
  const distributor = m.contract("RevenueDistributor", [
    settlementToken,
    timelock,
    m.getParameter<bigint>("consentEpoch", LAUNCH_DEFAULTS.consentEpoch),
  ]);
  const registry = m.contract("ContributionRegistry", [
    token,
    distributor,
    timelock,
    {
      rewardRate: m.getParameter<bigint>("rewardRate", 10n ** 14n),
      attestationThreshold: m.getParameter<bigint>("attestationThreshold", 1n),
      maxUnitsPerAttestation: m.getParameter<bigint>("maxUnitsPerAttestation", LAUNCH_DEFAULTS.maxUnitsPerAttestation),
      mintBudget: m.getParameter<bigint>("mintBudget", LAUNCH_DEFAULTS.mintBudget),
      mintPeriod: m.getParameter<bigint>("mintPeriod", LAUNCH_DEFAULTS.mintPeriod),
    },
    m.getParameter<string[]>("validators", []),
    m.getParameter<string[]>("purposeNames", [...DEFAULT_PURPOSES]),
    m.getParameter<string[]>(
      "purposeURIs",
      DEFAULT_PURPOSES.map((name) => `datacoop:purpose/${name.toLowerCase()}`),
    ),
  ]);
  const setMinter = m.call(token, "setMinter", [registry]);

  // --- 4. Custodians and escrow ----------------------------------------------------------------
  // Empty lists start at set version 0 (no custodian yet); governance appoints them by proposal.
  const custodianSet = m.contract("CustodianSet", [
    timelock,
    m.getParameter<string[]>("custodians", []),
    m.getParameter<string[]>("custodianPublicKeys", []),
    m.getParameter<bigint>("custodianThreshold", 1n),
  ]);
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
    custodianSet,
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

  // --- 7. Launch check: refuse a configuration one first contribution could capture ----------------
  // `launchCheck: false` only on local chains, whose tests pass proposals with a single contribution.
  m.contract("LaunchCheck", [governor, registry, token, custodianSet, m.getParameter<boolean>("launchCheck", true)], {
    after: [setMinter],
  });

  return { timelock, token, governor, distributor, registry, custodianSet, escrow };
}

/** The protocol on a network whose settlement token exists (parameter `settlementToken`, e.g. USDC). */
export default buildModule("DataCoop", (m) => buildDataCoop(m, m.getParameter<string>("settlementToken")));
