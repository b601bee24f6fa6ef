/**
 * Structured log lines: one JSON object per line (`time`, `level`, `event`, then the event's fields), bigints
 * as decimal strings. Callers pass ids, counts, hashes and error messages only: never a key, plaintext, user id
 * or email.
 */

/** Where log lines go (one line each, without the newline). */
export type LogSink = (line: string) => void;

export type LogLevel = "info" | "warn" | "error";

/** A logger writing JSON lines to `sink` (default: stdout). */
export function jsonLogger(
  sink: LogSink = (line) => process.stdout.write(`${line}\n`),
): (level: LogLevel, event: string, fields?: Record<string, unknown>) => void {
  return (level, event, fields = {}) => {
    sink(
      JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }, (_key, value: unknown) =>
        typeof value === "bigint" ? value.toString() : value,
      ),
    );
  };
}
