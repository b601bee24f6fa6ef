import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { buildDataCoop } from "./DataCoop";

/**
 * The protocol on a local chain (in-process or `npx hardhat node`): the same system as `DataCoop`, paid
 * in a freshly deployed mock USDC (6 decimals, open mint) because no real settlement token exists there.
 * The local validators' ECIES keys are published too (`validatorPublicKeys`), so contributors can wrap data
 * keys to them at once; on public networks each validator (or its service) publishes its own.
 */
export default buildModule("DataCoopLocal", (m) => {
  const usdc = m.contract("MockUSDC");
  const system = buildDataCoop(m, usdc);
  m.call(system.registry, "publishValidatorPublicKeys", [m.getParameter<string[]>("validatorPublicKeys", [])]);
  return { usdc, ...system };
});
