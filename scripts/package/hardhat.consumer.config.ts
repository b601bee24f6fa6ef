import path from "node:path";
import type { HardhatUserConfig } from "hardhat/config";

import config from "../../hardhat.config";

/**
 * The repository's Hardhat configuration plus one network, `packageConsumer`, pointing at the node the
 * consumer test starts on its own port (`DATACOOP_CONSUMER_PORT`, default 8546), so the test never
 * touches a node a developer runs on 8545. Used as
 * `hardhat --config scripts/package/hardhat.consumer.config.ts ignition deploy ... --network packageConsumer`.
 */
const port = process.env.DATACOOP_CONSUMER_PORT ?? "8546";

const consumerConfig: HardhatUserConfig = {
  ...config,
  paths: { ...config.paths, root: path.resolve(__dirname, "..", "..") },
  networks: { ...config.networks, packageConsumer: { url: `http://127.0.0.1:${port}` } },
};

export default consumerConfig;
