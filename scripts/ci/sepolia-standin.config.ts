import type { HardhatUserConfig } from "hardhat/config";

/**
 * A local node standing in for Sepolia (`npm run smoke:testnet`): Sepolia's chain id, a block every half
 * second instead of one per transaction (so tasks really wait for confirmations) and a 1 gwei base fee.
 * Only `hardhat node` runs with this file; everything else uses the project's config and reaches the
 * node as network `sepolia` with its URL overridden (HARDHAT_VAR_SEPOLIA_RPC_URL).
 */
const config: HardhatUserConfig = {
  networks: {
    hardhat: {
      chainId: 11155111,
      initialBaseFeePerGas: 1_000_000_000,
      mining: { auto: false, interval: 500 },
    },
  },
};

export default config;
