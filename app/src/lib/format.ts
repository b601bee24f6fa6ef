/** Small display helpers. */
import { formatUnits } from "viem";

export function short(value: string): string {
  return value.length > 14 ? `${value.slice(0, 8)}…${value.slice(-4)}` : value;
}

export function amount(value: bigint, decimals: number, symbol: string): string {
  return `${formatUnits(value, decimals)} ${symbol}`;
}

/** "3 min 20 s" for a number of seconds (0 and below: "now"). */
export function duration(seconds: number): string {
  if (seconds <= 0) return "now";
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  const parts = [d ? `${d} d` : "", h ? `${h} h` : "", m ? `${m} min` : "", !d && s ? `${s} s` : ""];
  return parts.filter((p) => p !== "").join(" ");
}

export function dateTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

/** The bit positions set in a mask. */
export function bits(mask: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < 16; p += 1) if ((mask >> p) & 1) out.push(p);
  return out;
}
