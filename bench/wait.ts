import { waitFor } from '../test/support/wait-for.js'

/**
 * Post-login work (history sync, receipts) still belongs to a pairing; it happens within this
 * time of the connection opening. Used by the server and the bare Baileys measurements alike.
 */
export const SETTLE_AFTER_OPEN_MS = 1000

/**
 * Sends before any send measurement, by the server and by bare Baileys alike: the Signal session
 * with the recipient exists and the hot code is optimized (V8 takes a few hundred sends to settle;
 * with 100, the first measured run was up to 20% slower than the same run repeated).
 */
export const WARM_UP_SENDS = 1000
/**
 * Warm-up sends in flight after the first: paths that only concurrency takes (messages queued behind
 * the one being sent, grouped commits, contended mutexes) get optimized too. Warmed up one at a time,
 * the first measured run at 10 clients had a p99 up to 50% above the same run repeated.
 */
export const WARM_UP_IN_FLIGHT = 10

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs `step` again and again in `loops` loops side by side; `stop()` resolves once the steps under way are done. */
export function repeatUntilStopped(step: () => Promise<void>, loops = 1): { stop(): Promise<void> } {
  let running = true
  const all = Array.from({ length: loops }, async () => {
    while (running) await step()
  })
  return {
    async stop() {
      running = false
      await Promise.all(all)
    },
  }
}

/** Polls `check` until it returns a truthy value; every wait in the bench is bounded. */
export const waitUntil = <T>(
  what: string,
  check: () => T | Promise<T>,
  { timeoutMs, intervalMs = 100 }: { timeoutMs: number; intervalMs?: number },
) => waitFor(check, { what, timeoutMs, intervalMs })

/** Runs `task` over `items` with at most `limit` in flight; results keep the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index]!, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
