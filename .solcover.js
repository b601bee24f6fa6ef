/**
 * solidity-coverage (`npx hardhat coverage`): instruments `contracts/`, compiles it with the same npm `solc`
 * (hardhat.config.ts overrides the compiler download; the coverage task goes through the same compile subtasks),
 * and runs the whole mocha suite on the in-process network.
 *
 * - Mocks are test-only contracts: measuring them would only dilute the figures.
 * - CoopTimelock is kept: it is a constructor around OpenZeppelin's TimelockController and measures 100%.
 * - Interfaces carry no statements; they are listed at 100% and change nothing.
 *
 * Warning: Hardhat writes the instrumented artifacts, and TypeChain the factories generated from them, to the
 * usual `artifacts/` and `typechain-types/` directories (tests need the instrumented bytecode in the factories).
 * Recompile after a coverage run (`npx hardhat compile`, which every npm script does first) before benchmarking or
 * packaging, and do not run coverage while other test runs share the same working tree.
 */
module.exports = {
  skipFiles: ["mocks/"],
  istanbulReporter: ["text", "text-summary", "html", "lcov", "json-summary"],
};
