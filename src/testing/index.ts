/**
 * `@datacoop/protocol/testing`: **local development only.** Never use it against a public network.
 *
 * The local deployment (`deploy/modules/DataCoopLocal.ts`, on `npx hardhat node` or the in-process
 * network) pays in `MockUSDC`, a 6-decimal token that **anyone may mint**. Its ABI is here so that a local
 * buyer can be funded from the package: read its address from the Ignition output
 * (`DataCoopLocal#MockUSDC` in `deployed_addresses.json`) and call `mint(buyer, amount)`, then
 * `approve(accessEscrow, amount)`. On a public chain the settlement token is a real one (e.g. USDC), with
 * no open mint; use its own ABI (`erc20Abi` in viem, or the ERC-20 interface in ethers).
 */
export { mockUsdcAbi } from "./mockUsdc";

/** The Ignition future id of the local settlement token in `deployed_addresses.json`. */
export const LOCAL_SETTLEMENT_TOKEN_FUTURE = "DataCoopLocal#MockUSDC";

/** The local settlement token's decimals (as USDC). */
export const MOCK_USDC_DECIMALS = 6;
