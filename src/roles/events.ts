import type { DataCoop } from "./contracts";
import { RoleError } from "./errors";

/** Blocks asked for in one `eth_getLogs` at first; halved on each refusal (public RPCs cap ranges). */
const FIRST_CHUNK = 50_000;

/**
 * Reads events over a block range in chunks, from the deployment's first block to `toBlock` (default:
 * the latest). A chunk the node refuses (range or result too large) is split in half and retried.
 * @param system the deployment (its `fromBlock`, provider and progress display)
 * @param what what is being read, for progress and errors, e.g. "contributions"
 * @param fetch reads the events of one inclusive block range
 * @param toBlock the last block to read
 * @param fromBlock the first block to read (default: the deployment's first)
 * @returns every event, in chain order
 */
export async function scanEvents<T>(
  system: Pick<DataCoop, "provider" | "fromBlock" | "progress">,
  what: string,
  fetch: (fromBlock: number, toBlock: number) => Promise<T[]>,
  toBlock?: number,
  fromBlock = system.fromBlock,
): Promise<T[]> {
  const last = toBlock ?? (await system.provider.getBlockNumber());
  const first = fromBlock;
  const out: T[] = [];
  let chunk = FIRST_CHUNK;
  let from = first;
  while (from <= last) {
    const to = Math.min(last, from + chunk - 1);
    try {
      out.push(...(await fetch(from, to)));
    } catch (cause) {
      if (to === from) {
        throw new RoleError(
          "CONFIG",
          `Could not read ${what} from block ${from}: ${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}. Check the RPC URL, or use an RPC that serves eth_getLogs.`,
          { cause },
        );
      }
      chunk = Math.max(1, Math.floor((to - from + 1) / 2));
      continue;
    }
    from = to + 1;
    if (last > first)
      system.progress?.({ step: `scanning blocks for ${what}`, done: from - first, total: last - first + 1 });
  }
  return out;
}
