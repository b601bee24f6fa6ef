/** A small timing helper for the benchmark script: scores the same archive a few times. */
import { performance } from "node:perf_hooks";

import { scoreExportBytes } from "./reader";
import type { ExportScore, ScoreExportOptions } from "./types";

export interface ScoringBenchmark {
  readonly conversations: number;
  readonly archiveBytes: number;
  readonly runs: number;
  /** Fastest run, milliseconds. */
  readonly bestMs: number;
  /** Median run, milliseconds. */
  readonly medianMs: number;
  /** Conversations per second at the median run. */
  readonly conversationsPerSecond: number;
  readonly score: ExportScore;
}

/** Scores `bytes` `runs` times (at least 1) and reports the timings. */
export function benchmarkScoreExport(bytes: Uint8Array, options: ScoreExportOptions, runs = 3): ScoringBenchmark {
  const times: number[] = [];
  let score: ExportScore | undefined;
  for (let i = 0; i < Math.max(1, Math.floor(runs)); i++) {
    const start = performance.now();
    score = scoreExportBytes(bytes, options);
    times.push(performance.now() - start);
  }
  if (score === undefined) throw new Error("unreachable: at least one run");
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor((times.length - 1) / 2)];
  return {
    conversations: score.stats.conversations,
    archiveBytes: bytes.length,
    runs: times.length,
    bestMs: times[0],
    medianMs,
    conversationsPerSecond: Math.round((score.stats.conversations * 1000) / medianMs),
    score,
  };
}
