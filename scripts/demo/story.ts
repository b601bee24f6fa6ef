/** Prints the demo as a numbered story with aligned step titles, and its final table. */
export class Story {
  private step = 0;

  constructor(private readonly out: (line: string) => void) {}

  /** A new numbered step: `title` and its first line. */
  begin(title: string, line: string): void {
    this.step += 1;
    this.out(`${String(this.step).padStart(2)}. ${title.padEnd(12)} ${line}`);
  }

  /** A further line of the current step. */
  more(line: string): void {
    this.out(`${" ".repeat(17)}${line}`);
  }

  /** A line outside the numbered steps. */
  say(line: string): void {
    this.out(line);
  }

  /** A table with a header row; columns listed in `right` are right-aligned (numbers). */
  table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): void {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const format = (cells: readonly string[]) =>
      cells
        .map((c, i) => (right.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join("  ")
        .trimEnd();
    this.out(format(header));
    this.out(widths.map((w) => "-".repeat(w)).join("  "));
    for (const row of rows) this.out(format(row));
  }
}

/** Shortens a hash or address for display: `0x1234…abcd`. */
export function short(hex: string): string {
  return `${hex.slice(0, 6)}…${hex.slice(-4)}`;
}

/** Shows basis points as a percentage, e.g. 7340 → `73.4%`. */
export function percent(bps: number | bigint): string {
  return `${(Number(bps) / 100).toFixed(1)}%`;
}

/** Shows a whole number with thousands separators, e.g. 5000 → `5,000`. */
export function thousands(value: number): string {
  return value.toLocaleString("en-US");
}
