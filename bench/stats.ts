/** The value at or above `share` of the ascending samples, as autocannon reports its percentiles. */
export function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!
}

/** The item whose `value` is the median (the upper middle one for an even count); undefined for none. */
export function medianBy<T>(items: readonly T[], value: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => value(a) - value(b))
  return sorted[Math.floor(sorted.length / 2)]!
}

export const median = (values: readonly number[]): number => medianBy(values, (v) => v)
