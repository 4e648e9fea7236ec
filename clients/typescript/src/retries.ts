import { retryAfterSeconds } from './errors.js'

export interface RetryPolicy {
  /** Further attempts after the first (default 3; 0 turns retries off). */
  retries?: number
  /** First backoff when the server gives no Retry-After (default 500 ms; doubles, with jitter). */
  baseDelayMs?: number
  /** The longest wait between attempts; a longer Retry-After is not waited for (default 30 s). */
  maxDelayMs?: number
}

/** Answers that mean "not done, try later": rate limited, or the database (or WhatsApp) unavailable. */
const RETRIED_STATUSES = new Set([429, 503])
/** Methods safe to repeat after the connection failed mid-request (the request may have arrived). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

const sleep = (ms: number, signal: AbortSignal | null): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })

/** Exponential backoff with full jitter: spreads clients that failed together. */
export function backoffMs(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2)
}

/**
 * A fetch that tries again on 429 and 503, waiting what Retry-After says (or backing off), and on a
 * failed connection for safe methods. A POST is repeated only on 429/503, which the server answers
 * before doing anything, or with an idempotency key (sends carry one) that makes a repeat harmless.
 */
export function retryingFetch(fetchOnce: typeof fetch, policy: RetryPolicy = {}): (request: Request) => Promise<Response> {
  const retries = policy.retries ?? 3
  const baseDelayMs = policy.baseDelayMs ?? 500
  const maxDelayMs = policy.maxDelayMs ?? 30_000
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retries
      let response: Response
      try {
        response = await fetchOnce(last ? request : request.clone())
      } catch (error) {
        if (last || !SAFE_METHODS.has(request.method) || request.signal.aborted) throw error
        await sleep(backoffMs(attempt, baseDelayMs, maxDelayMs), request.signal)
        continue
      }
      if (last || !RETRIED_STATUSES.has(response.status)) return response
      const asked = retryAfterSeconds(response)
      const delayMs = asked === undefined ? backoffMs(attempt, baseDelayMs, maxDelayMs) : asked * 1000
      if (delayMs > maxDelayMs) return response
      await response.body?.cancel()
      await sleep(delayMs, request.signal)
    }
  }
}
