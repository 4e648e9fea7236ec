/**
 * Polls a condition until it returns a truthy value or the timeout passes. Tests wait on
 * conditions, never on fixed sleeps.
 */
type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>

export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 25, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value as Truthy<T>
      last = value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last: ${String((last as Error)?.message ?? JSON.stringify(last))}`)
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
