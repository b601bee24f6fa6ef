import type { LogDescription } from "ethers";

/** What can decode logs: a contract's `interface`. */
export interface LogDecoder {
  parseLog(log: { topics: readonly string[]; data: string }): LogDescription | null;
}

/**
 * Decodes a receipt's log with a contract interface.
 * @returns the decoded event, or `undefined` if the log belongs to another contract or event
 */
export function decodeLog(
  decoder: LogDecoder,
  log: { topics: readonly string[]; data: string },
): LogDescription | undefined {
  try {
    return decoder.parseLog(log) ?? undefined;
  } catch {
    return undefined;
  }
}
