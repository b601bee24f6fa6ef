/**
 * The TypeChain factories the role library uses, imported one by one rather than through the
 * `typechain-types` index, which would load (and, under ts-node, transpile) every binding of every
 * OpenZeppelin contract too: that made each Hardhat task start noticeably slower.
 */
export { AccessEscrow__factory } from "../../typechain-types/factories/contracts/AccessEscrow__factory";
export { ContributionRegistry__factory } from "../../typechain-types/factories/contracts/ContributionRegistry__factory";
export { CoopGovernor__factory } from "../../typechain-types/factories/contracts/CoopGovernor__factory";
export { CoopTimelock__factory } from "../../typechain-types/factories/contracts/CoopTimelock__factory";
export { CoopToken__factory } from "../../typechain-types/factories/contracts/CoopToken__factory";
export { CustodianSet__factory } from "../../typechain-types/factories/contracts/CustodianSet__factory";
export { RevenueDistributor__factory } from "../../typechain-types/factories/contracts/RevenueDistributor__factory";
export { IERC20Metadata__factory } from "../../typechain-types/factories/@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata__factory";
export type {
  AccessEscrow,
  ContributionRegistry,
  CoopGovernor,
  CoopTimelock,
  CoopToken,
  CustodianSet,
  IERC20Metadata,
  RevenueDistributor,
} from "../../typechain-types";
