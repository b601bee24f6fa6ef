/** The wagmi configuration: the local chain (from `/datacoop.json`) and the public testnets. */
import { defineChain } from "viem";
import { http, createConfig } from "wagmi";
import { baseSepolia, sepolia } from "wagmi/chains";
import { injected } from "wagmi/connectors";

import { LOCAL_CHAIN_ID, type RuntimeConfig } from "../lib/config";

export function localChain(rpcUrl: string) {
  return defineChain({
    id: LOCAL_CHAIN_ID,
    name: "Local node",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    testnet: true,
  });
}

export function makeWagmiConfig(runtime: RuntimeConfig) {
  const local = localChain(runtime.rpcUrl);
  return createConfig({
    chains: [local, sepolia, baseSepolia],
    connectors: [injected()],
    transports: { [local.id]: http(runtime.rpcUrl), [sepolia.id]: http(), [baseSepolia.id]: http() },
    // The development connectors are added at run time (one per picked account); nothing is restored
    // from storage, so a reload never reconnects a development key silently.
    storage: null,
  });
}

export type AppWagmiConfig = ReturnType<typeof makeWagmiConfig>;
