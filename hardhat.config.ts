import path from "node:path";
import { subtask, type HardhatUserConfig } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import "solidity-docgen";

import "./tasks";
import { configVar, publicNetworkAccounts } from "./tasks/accounts";

/**
 * The compiler is the npm `solc` package (soljson, WebAssembly), pinned here and in
 * package.json. Hardhat is told to use it instead of downloading a native build, so a
 * build needs the npm registry and nothing else.
 */
export const SOLC_VERSION = "0.8.30";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) {
    return runSuper(args);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  const installed = solc.version();
  if (!installed.startsWith(`${SOLC_VERSION}+`)) {
    throw new Error(
      `hardhat.config.ts pins solc ${SOLC_VERSION} but node_modules has ${installed}; run \`npm ci\` to install the locked version.`,
    );
  }
  return {
    version: SOLC_VERSION,
    longVersion: installed.replace(".Emscripten.clang", ""),
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
  };
});

/**
 * Keys and endpoints of public networks are configuration variables (`npx hardhat vars set NAME`, or
 * `HARDHAT_VAR_NAME` / `NAME` in the environment), never files: the deployer's key first, then one key
 * per role (see tasks/accounts.ts).
 */
const accounts = publicNetworkAccounts();

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      evmVersion: "cancun",
    },
  },
  paths: {
    ignition: "deploy",
  },
  networks: {
    hardhat: {
      // Timestamps matter (ERC-6372 clock): keep blocks mined on demand, one per tx.
      initialBaseFeePerGas: 0,
    },
    localhost: {
      // A node on another port: LOCALHOST_RPC_URL=http://127.0.0.1:8547 (or `npx hardhat vars set LOCALHOST_RPC_URL`).
      url: configVar("LOCALHOST_RPC_URL") ?? "http://127.0.0.1:8545",
    },
    sepolia: {
      url: configVar("SEPOLIA_RPC_URL") ?? "https://ethereum-sepolia-rpc.publicnode.com",
      chainId: 11155111,
      accounts,
    },
    baseSepolia: {
      url: configVar("BASE_SEPOLIA_RPC_URL") ?? "https://sepolia.base.org",
      chainId: 84532,
      accounts,
    },
  },
  etherscan: {
    apiKey: configVar("ETHERSCAN_API_KEY") ?? "",
  },
  sourcify: { enabled: false },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
  mocha: {
    timeout: 120_000,
  },
  // API reference from NatSpec, one page per source file; written and checked by scripts/package/docs.ts.
  docgen: {
    outputDir: "docs/api",
    pages: "files",
    exclude: ["mocks"],
    templates: "scripts/package/docgen",
  },
};

export default config;
