import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { ZeroAddress, id } from "ethers";

/**
 * The whole DataCoop system, deployed and wired in one ordered story:
 *
 * 1. the TimelockController, with the deployer as a temporary admin;
 * 2. the governance token (optional initial supply);
 * 3. the Governor, made the timelock's only proposer and canceller; anyone may execute;
 * 4. the deployer renounces its timelock admin role: from here on only proposals change anything.
 *
 * Every parameter has a default suited to a public testnet; `deploy/parameters/<network>.json`
 * overrides them (short periods for local runs).
 */
export const TIMELOCK_ROLES = {
  admin: "0x0000000000000000000000000000000000000000000000000000000000000000",
  proposer: id("PROPOSER_ROLE"),
  executor: id("EXECUTOR_ROLE"),
  canceller: id("CANCELLER_ROLE"),
} as const;

const HOUR = 60n * 60n;
const DAY = 24n * HOUR;

export default buildModule("DataCoop", (m) => {
  const deployer = m.getAccount(0);

  // --- Governance core ----------------------------------------------------------------------
  const timelockDelay = m.getParameter<bigint>("timelockDelay", HOUR);
  const timelock = m.contract("CoopTimelock", [timelockDelay, [], [ZeroAddress], deployer]);

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

  const grantProposer = m.call(timelock, "grantRole", [TIMELOCK_ROLES.proposer, governor], {
    id: "Timelock_grantProposer",
  });
  const grantCanceller = m.call(timelock, "grantRole", [TIMELOCK_ROLES.canceller, governor], {
    id: "Timelock_grantCanceller",
  });

  // --- Hand over: the deployer keeps nothing --------------------------------------------------
  m.call(timelock, "renounceRole", [TIMELOCK_ROLES.admin, deployer], {
    id: "Timelock_renounceDeployerAdmin",
    after: [grantProposer, grantCanceller],
  });

  return { timelock, token, governor };
});
