// Latency statistics for the benchmarks: percentiles over raw samples, and the timing loops
// that collect them (performance.now(), warm-up first, nothing else in the loop).

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending list (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((s, x) => s + x, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/** Milliseconds with enough digits to tell a 4 µs lookup from a 40 µs one. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value < 0.1) return `${(value * 1000).toFixed(1)} µs`;
  if (value < 10) return `${value.toFixed(3)} ms`;
  return `${value.toFixed(1)} ms`;
}

export function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(0)}×`;
}

/** Times each call of `fn` over `inputs`; the result lines up with `inputs`. */
export function timeSync<T>(inputs: readonly T[], fn: (input: T) => unknown): number[] {
  const out = new Array<number>(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const t0 = performance.now();
    fn(inputs[i]!);
    out[i] = performance.now() - t0;
  }
  return out;
}

/** A table printed with aligned columns; the first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}
