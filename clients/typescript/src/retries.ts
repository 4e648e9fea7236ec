import { retryAfterSeconds } from './errors.js'
import { pause } from './pause.js'

export interface RetryPolicy {
  /** Further attempts after the first (default 3; 0 turns retries off). */
  retries?: number
  /** First backoff when the server gives no Retry-After (default 500 ms; doubles, with jitter). */
  baseDelayMs?: number
  /** The longest wait between attempts; a longer Retry-After is not waited for (default 30 s). */
  maxDelayMs?: number
}

/** Methods whose repetition changes nothing. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Exponential backoff with full jitter: spreads clients that failed together. */
export function backoffMs(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2)
}

/**
 * Whether an answer (or no answer: `status` undefined) may be tried again. A 429 always: the rate
 * limiter refuses before anything happens. A 503 or a failed connection only where repeating is
 * harmless: a read, or a request with an Idempotency-Key (sends carry one), since a 503 can come
 * after the work was done (a node forwarding to another that answered too late).
 */
function retriable(request: Request, status: number | undefined): boolean {
  if (status === 429) return true
  if (status !== undefined && status !== 503) return false
  return SAFE_METHODS.has(request.method) || request.headers.has('idempotency-key')
}

/** A fetch that tries again as `retriable` allows, waiting what Retry-After says (or backing off). */
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
        if (last || request.signal.aborted || !retriable(request, undefined)) throw error
        await pause(backoffMs(attempt, baseDelayMs, maxDelayMs), request.signal)
        continue
      }
      if (last || !retriable(request, response.status)) return response
      const asked = retryAfterSeconds(response)
      const delayMs = asked === undefined ? backoffMs(attempt, baseDelayMs, maxDelayMs) : asked * 1000
      if (delayMs > maxDelayMs) return response
      await response.body?.cancel()
      await pause(delayMs, request.signal)
      if (request.signal.aborted) throw request.signal.reason
    }
  }
}
