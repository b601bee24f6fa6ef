import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { buildDataCoop } from "./DataCoop";

/**
 * The protocol on a local chain (in-process or `npx hardhat node`): the same system as `DataCoop`, paid
 * in a freshly deployed mock USDC (6 decimals, open mint) because no real settlement token exists there.
 */
export default buildModule("DataCoopLocal", (m) => {
  const usdc = m.contract("MockUSDC");
  return { usdc, ...buildDataCoop(m, usdc) };
});
