// The contract between the runner and each benchmark: a budget in, tables and raw data out.

/** `tiny` is the smoke-test size: every code path once, in seconds. */
export type Size = 'full' | 'tiny';

export interface BenchContext {
  size: Size;
  /** Epoch ms by which the benchmark must be done; ramps check it before each step. */
  deadline: number;
  log(line: string): void;
}

export type Cell = string | number | null;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
}

export interface BenchResult {
  tables: Table[];
  /** Sentences for the reader: why a ramp stopped, what was unavailable, what a ratio compares. */
  notes: string[];
  /** Everything measured, as written to bench/out/<name>.json. */
  data: Record<string, unknown>;
}

export interface Benchmark {
  name: string;
  title: string;
  /** Seconds the full size may take; the runner aborts a benchmark that overruns it by a minute. */
  budgetSeconds: number;
  run(ctx: BenchContext): Promise<BenchResult>;
}

/** Seconds left before the deadline. */
export function secondsLeft(ctx: BenchContext): number {
  return (ctx.deadline - Date.now()) / 1000;
}
