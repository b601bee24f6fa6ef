import type { Provider } from "ethers";

import { RoleError } from "./errors";

/**
 * The latest block's timestamp: the chain's "now" (on a local chain it can run ahead of the wall clock).
 * @param provider the chain
 */
export async function chainTime(provider: Provider): Promise<bigint> {
  const block = await provider.getBlock("latest");
  if (block === null) throw new RoleError("CONFIG", "The node returned no latest block; check the RPC URL.");
  return BigInt(block.timestamp);
}

/**
 * Shows a Unix time as ISO 8601 UTC, e.g. `2025-01-31T12:00:00Z`.
 * @param seconds Unix seconds
 */
export function formatTime(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}
