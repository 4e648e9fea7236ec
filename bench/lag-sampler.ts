import { appendFileSync } from 'node:fs'
import { LAG_MAX, metricSum, scrapeMetrics } from './metrics.js'
import { percentile } from './stats.js'
import { repeatUntilStopped, sleep } from './wait.js'

export interface LagSummary {
  /** Longest event-loop delay seen after the first scrape, in ms. */
  maxMs: number
  /** The 99th percentile of the samples after the first (each sample is its window's longest delay). */
  p99Ms: number
  /** The first scrape covers start-up (module loading, migrations) since the process began. */
  startupMaxMs: number
  samples: number
  /** Scrape windows with a delay above 100 ms. */
  over100Ms: number
  /** When the longest delay after the first scrape was seen, in seconds from the sampler's start. */
  maxAtS: number
}

/**
 * Scrapes the server's max event-loop delay every `intervalMs` until stopped. prom-client resets
 * the histogram behind it on every scrape, so each sample is the worst delay of its window.
 */
export function sampleLag(baseUrl: string, intervalMs = 250): { stop(): Promise<LagSummary> } {
  const samplesMs: number[] = []
  const samplesAtS: number[] = []
  const startedAt = performance.now()
  // BENCH_LAG_LOG appends each sample as "epoch ms,lag ms", to line the stalls up with a trace or `perf record -k CLOCK_REALTIME`.
  const logPath = process.env.BENCH_LAG_LOG
  const sampling = repeatUntilStopped(async () => {
    const series = await scrapeMetrics(baseUrl).catch(() => undefined)
    if (series) {
      samplesMs.push(metricSum(series, LAG_MAX) * 1000)
      samplesAtS.push((performance.now() - startedAt) / 1000)
      if (logPath) appendFileSync(logPath, `${Date.now()},${samplesMs.at(-1)!.toFixed(1)}\n`)
    }
    await sleep(intervalMs)
  })
  return {
    async stop() {
      await sampling.stop()
      const [startup = 0, ...rest] = samplesMs
      const maxMs = Math.max(0, ...rest)
      return {
        maxMs,
        p99Ms: rest.length > 0 ? percentile([...rest].sort((a, b) => a - b), 0.99) : 0,
        maxAtS: rest.length > 0 ? samplesAtS[rest.indexOf(maxMs) + 1]! : 0,
        startupMaxMs: startup,
        samples: samplesMs.length,
        over100Ms: rest.filter((ms) => ms > 100).length,
      }
    },
  }
}
