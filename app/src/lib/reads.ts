/** The chain reads every page shares: purposes, chain time, the settlement token. */
import { useQuery } from "@tanstack/react-query";
import { erc20Abi } from "viem";

import { DATACOOP_ABIS } from "@datacoop/protocol/abi";

import { useChain } from "./chain";
import { bits } from "./format";

/** Plain-language labels for the purposes seeded at deployment; governance-defined ones show their name. */
const PLAIN_LABELS: Readonly<Record<string, string>> = {
  RESEARCH: "Research (academic and non-profit studies)",
  ANALYTICS: "Statistics and analytics",
  AI_TRAINING: "Training AI models",
  AI_FINE_TUNING: "Fine-tuning AI models",
  AI_EVALUATION: "Testing and evaluating AI models",
  COMMERCIAL: "Commercial products",
};

export interface Purpose {
  readonly id: number;
  readonly name: string;
  readonly label: string;
}

export const REFRESH_MS = 3000;

export function usePurposes(): Purpose[] {
  const { deployment, publicClient } = useChain();
  const query = useQuery({
    queryKey: ["purposes", deployment?.contracts.ContributionRegistry],
    enabled: deployment !== undefined,
    staleTime: Infinity,
    queryFn: async () => {
      const registry = { address: deployment!.contracts.ContributionRegistry, abi: DATACOOP_ABIS.ContributionRegistry };
      const defined = await publicClient.readContract({ ...registry, functionName: "definedPurposes" });
      return Promise.all(
        bits(defined).map(async (id) => {
          const [name] = await publicClient.readContract({ ...registry, functionName: "purposeInfo", args: [id] });
          return { id, name, label: PLAIN_LABELS[name] ?? name };
        }),
      );
    },
  });
  return query.data ?? [];
}

export function purposeNames(purposes: readonly Purpose[], mask: number): string {
  const names = purposes.filter((p) => (mask >> p.id) & 1).map((p) => p.label);
  return names.length ? names.join(", ") : "none";
}

/** The latest block's timestamp: "now" on the chain (a local node's clock can run ahead of the wall). */
export function useChainTime(): number | undefined {
  const { publicClient, chainId } = useChain();
  const query = useQuery({
    queryKey: ["chainTime", chainId],
    refetchInterval: REFRESH_MS,
    queryFn: async () => Number((await publicClient.getBlock({ blockTag: "latest" })).timestamp),
  });
  return query.data;
}

export interface TokenInfo {
  readonly address: `0x${string}`;
  readonly symbol: string;
  readonly decimals: number;
}

export function useSettlementToken(): TokenInfo | undefined {
  const { deployment, publicClient } = useChain();
  const query = useQuery({
    queryKey: ["settlementToken", deployment?.contracts.AccessEscrow],
    enabled: deployment !== undefined,
    staleTime: Infinity,
    queryFn: async () => {
      const address = await publicClient.readContract({
        address: deployment!.contracts.AccessEscrow,
        abi: DATACOOP_ABIS.AccessEscrow,
        functionName: "settlementToken",
      });
      const [symbol, decimals] = await Promise.all([
        publicClient.readContract({ address, abi: erc20Abi, functionName: "symbol" }),
        publicClient.readContract({ address, abi: erc20Abi, functionName: "decimals" }),
      ]);
      return { address, symbol, decimals };
    },
  });
  return query.data;
}
