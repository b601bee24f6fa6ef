import { formatUnits, parseUnits } from "ethers";

import { RoleError } from "./errors";

const DURATION = /^(\d+)\s*(s|m|h|d|w|y)?$/i;
const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800, y: 31_536_000 };

/**
 * Parses a duration: a whole number of seconds, or with a unit `s`, `m`, `h`, `d`, `w` or `y` (365 days).
 * @param spec e.g. `3600`, `12h`, `30d`
 * @param what what the duration is, for errors
 * @returns seconds
 * @throws RoleError `INVALID_INPUT`
 */
export function parseDuration(spec: string, what: string): number {
  const match = DURATION.exec(spec.trim());
  if (match === null) {
    throw new RoleError(
      "INVALID_INPUT",
      `${what} ${JSON.stringify(spec)} is not a duration; write seconds or a number with s, m, h, d, w or y (e.g. 30d).`,
    );
  }
  const seconds = Number(match[1]) * SECONDS[(match[2] ?? "s").toLowerCase()];
  if (!Number.isSafeInteger(seconds) || seconds <= 0 || seconds > 0xffffffff) {
    throw new RoleError("INVALID_INPUT", `${what} must be between 1 second and about 136 years; got ${spec}.`);
  }
  return seconds;
}

/**
 * Shows a duration in the largest whole unit, e.g. `30d`, `90m`, `45s`.
 * @param seconds the duration
 */
export function formatDuration(seconds: number | bigint): string {
  const value = Number(seconds);
  for (const unit of ["y", "w", "d", "h", "m"]) {
    if (value >= SECONDS[unit] && value % SECONDS[unit] === 0) return `${value / SECONDS[unit]}${unit}`;
  }
  return `${value}s`;
}

/**
 * Parses a token amount written in whole tokens (e.g. `1000` or `12.5` USDC) into base units.
 * @param spec the amount
 * @param decimals the token's decimals
 * @param what what the amount is, for errors
 * @throws RoleError `INVALID_INPUT` if it is malformed, has too many decimals, or is not positive
 */
export function parseTokenAmount(spec: string, decimals: number, what: string): bigint {
  let amount: bigint;
  try {
    if (!/^\d+(\.\d+)?$/.test(spec.trim())) throw new Error("not a decimal number");
    amount = parseUnits(spec.trim(), decimals);
  } catch (cause) {
    throw new RoleError(
      "INVALID_INPUT",
      `${what} ${JSON.stringify(spec)} is not an amount in whole tokens with at most ${decimals} decimals (e.g. 1000 or 12.5).`,
      { cause },
    );
  }
  if (amount <= 0n) throw new RoleError("INVALID_INPUT", `${what} must be more than zero.`);
  return amount;
}

/**
 * Shows a base-unit amount in whole tokens, trimming trailing zeros, e.g. `1234.5`.
 * @param amount base units
 * @param decimals the token's decimals
 */
export function formatTokenAmount(amount: bigint, decimals: number): string {
  const text = formatUnits(amount, decimals);
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}
