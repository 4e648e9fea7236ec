import { LRUCache } from 'lru-cache'
import { DomainError } from '../errors.js'

interface Failures {
  count: number
  firstAt: number
}

/**
 * Counts failed authentications per client address. After `limit` failures within `windowMs`,
 * the address is refused (429) until the window that began with its first failure has passed,
 * so keys cannot be guessed at speed. A success clears the count.
 */
export class AuthThrottle {
  private readonly failures: LRUCache<string, Failures>

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.failures = new LRUCache({ max: 100_000, ttl: windowMs })
  }

  /** Throws a 429 when the address is blocked. */
  check(address: string): void {
    const entry = this.failures.get(address)
    if (!entry || entry.count < this.limit) return
    const retryAfterSeconds = Math.max(1, Math.ceil((entry.firstAt + this.windowMs - this.now()) / 1000))
    throw new DomainError('rate_limited', 'Too many failed authentication attempts; try again later', { retryAfterSeconds })
  }

  fail(address: string): void {
    const entry = this.failures.get(address)
    if (entry && this.now() - entry.firstAt < this.windowMs) entry.count += 1
    else this.failures.set(address, { count: 1, firstAt: this.now() })
  }

  succeed(address: string): void {
    this.failures.delete(address)
  }
}
