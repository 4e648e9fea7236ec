import { heapUsedBytes } from './metrics.js'
import { rssBytes } from './proc.js'
import { sleep } from './wait.js'

export interface MemorySample {
  rssBytes: number
  heapUsedBytes: number
  /** False when RSS was still moving when the wait ran out: the number is then less certain. */
  settled: boolean
  waitedS: number
}

const WINDOW = 5
const INTERVAL_MS = 1000
/** RSS counts as settled when the last WINDOW samples lie within this fraction of each other. */
const TOLERANCE = 0.01

/** Waits until the server's RSS stops changing (sessions idle, caches warm), then samples RSS and heap. */
export async function settledMemory(pid: number, baseUrl: string, maxWaitS: number): Promise<MemorySample> {
  const startedAt = performance.now()
  const recent: number[] = []
  let settled = false
  while ((performance.now() - startedAt) / 1000 < maxWaitS) {
    recent.push(rssBytes(pid))
    if (recent.length > WINDOW) recent.shift()
    if (recent.length === WINDOW && Math.max(...recent) - Math.min(...recent) <= Math.max(...recent) * TOLERANCE) {
      settled = true
      break
    }
    await sleep(INTERVAL_MS)
  }
  return { rssBytes: rssBytes(pid), heapUsedBytes: await heapUsedBytes(baseUrl), settled, waitedS: (performance.now() - startedAt) / 1000 }
}
