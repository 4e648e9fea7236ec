/** The value at or above `share` of the ascending samples, as autocannon reports its percentiles; 0 for none. */
export function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0
}

/** The item whose `value` is the median (the upper middle one for an even count); undefined for none. */
export function medianBy<T>(items: readonly T[], value: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => value(a) - value(b))
  return sorted[Math.floor(sorted.length / 2)]!
}

export const median = (values: readonly number[]): number => medianBy(values, (v) => v)

export interface Latency {
  calls: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

export function latencyOf(samplesMs: readonly number[]): Latency {
  const sorted = [...samplesMs].sort((a, b) => a - b)
  return { calls: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted.at(-1) ?? 0 }
}
