import type { LRUCache } from 'lru-cache'
import { DomainError } from '../errors.js'
import { ttlCache } from '../ttl-cache.js'
import { apiKeyPrefix } from './api-keys.js'

interface Failures {
  count: number
  firstAt: number
}

/** How many times the per-key limit an address may fail with keys of all kinds before it counts as guessing. */
export const ADDRESS_LIMIT_FACTOR = 10

/**
 * Throttles key guessing without locking out the clients that hold a valid key. Failures are
 * counted per address and key (by the key's first characters, the part `apiKeyMasked` shows):
 * after `limit` failures within `windowMs`, that address is refused (429) for that key only, so an
 * integration with a stale key behind a shared proxy address blocks itself, not its neighbours.
 * An address failing with many different keys is guessing blindly: after `limit` ×
 * ADDRESS_LIMIT_FACTOR failures in all it is refused for every key it has not used successfully
 * within the window. A success never clears the address' count, or one valid key would reset
 * a guesser's budget.
 */
export class AuthThrottle {
  private readonly failures: LRUCache<string, Failures>
  /** `address + key prefix` that authenticated within the window. */
  private readonly trusted: LRUCache<string, true>

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.failures = ttlCache({ max: 100_000, ttl: windowMs })
    this.trusted = ttlCache({ max: 100_000, ttl: windowMs })
  }

  /** Throws a 429 when this key may not be tried from this address now. */
  check(address: string, key: string): void {
    const forKey = this.blockedUntil(keyBucket(address, key), this.limit)
    const forAddress = this.trusted.has(keyBucket(address, key)) ? undefined : this.blockedUntil(address, this.limit * ADDRESS_LIMIT_FACTOR)
    const until = forKey ?? forAddress
    if (until === undefined) return
    const retryAfterSeconds = Math.max(1, Math.ceil((until - this.now()) / 1000))
    throw new DomainError('rate_limited', 'Too many failed authentication attempts; try again later', { retryAfterSeconds })
  }

  fail(address: string, key: string): void {
    this.count(keyBucket(address, key))
    this.count(address)
  }

  succeed(address: string, key: string): void {
    this.failures.delete(keyBucket(address, key))
    this.trusted.set(keyBucket(address, key), true)
  }

  /** When the bucket's window ends, if it is full. */
  private blockedUntil(bucket: string, limit: number): number | undefined {
    const entry = this.failures.get(bucket)
    return entry && entry.count >= limit ? entry.firstAt + this.windowMs : undefined
  }

  private count(bucket: string): void {
    const entry = this.failures.get(bucket)
    if (entry && this.now() - entry.firstAt < this.windowMs) entry.count += 1
    else this.failures.set(bucket, { count: 1, firstAt: this.now() })
  }
}

/** NUL cannot occur in an address or a header value, so buckets never collide. */
const keyBucket = (address: string, key: string): string => `${address}\u0000${apiKeyPrefix(key)}`
