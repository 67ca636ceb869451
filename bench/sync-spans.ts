// Timing hooks for the sync benchmark's profile: wrap an async method of one object (a store,
// the relay storage) so each call's start and end are recorded, and take the wrapper off again.

export type Span = [start: number, end: number];

/** Wraps `target[method]` on that object only; every call's [start, end] lands in `spans`. Returns the undo. */
export function timeCalls<T extends object>(target: T, method: keyof T & string, spans: Span[]): () => void {
  const original = target[method] as unknown as (...args: unknown[]) => Promise<unknown>;
  const wrapped = async (...args: unknown[]) => {
    const t0 = performance.now();
    try {
      return await original.apply(target, args);
    } finally {
      spans.push([t0, performance.now()]);
    }
  };
  Object.defineProperty(target, method, { value: wrapped, configurable: true, writable: true });
  return () => {
    delete (target as Record<string, unknown>)[method];
  };
}

export const sumSpans = (spans: readonly Span[]): number => spans.reduce((s, [a, b]) => s + (b - a), 0);

/** How much of `spans` lies inside any of `others` (both lists hold spans that do not overlap among themselves). */
export function overlapOf(spans: readonly Span[], others: readonly Span[]): number {
  let total = 0;
  for (const [a, b] of spans) for (const [c, d] of others) total += Math.max(0, Math.min(b, d) - Math.max(a, c));
  return total;
}

/** Median of the numbers that are defined. */
export function median(values: ReadonlyArray<number | undefined>): number {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : Number.NaN;
}
