import type { CacheStore } from '@whiskeysockets/baileys'
import { LRUCache } from 'lru-cache'

/** One bounded store for a kind of Baileys cache, shared by every socket, each socket seeing its own keys. */
class SharedCache {
  private readonly entries: LRUCache<string, {}>

  constructor(max: number, ttlMs: number) {
    // No autopurge: expired entries are dropped when read or evicted, so there is no timer at all.
    this.entries = new LRUCache<string, {}>({ max, ttl: ttlMs })
  }

  /** The view one session gets: its keys are prefixed with its id, so sessions never see each other's entries. */
  forSession(deviceId: string): CacheStore {
    return new SessionView(this.entries, `${deviceId}\u0000`)
  }
}

/** A session's view of a shared cache; methods on the prototype, so a view costs two fields, not four closures. */
class SessionView implements CacheStore {
  constructor(
    private readonly entries: LRUCache<string, {}>,
    private readonly prefix: string,
  ) {}

  get<T>(key: string): T | undefined {
    return this.entries.get(this.prefix + key) as T | undefined
  }

  set<T>(key: string, value: T): void {
    if (value === undefined || value === null) this.entries.delete(this.prefix + key)
    else this.entries.set(this.prefix + key, value as {})
  }

  del(key: string): void {
    this.entries.delete(this.prefix + key)
  }

  flushAll(): void {
    for (const key of this.entries.keys()) if (key.startsWith(this.prefix)) this.entries.delete(key)
  }
}

/**
 * Baileys gives every socket its own NodeCaches, each with its own interval timer; with a thousand
 * sessions that is thousands of timers and unbounded maps. These shared, bounded stores replace them.
 * Lifetimes follow Baileys' defaults (DEFAULT_CACHE_TTLS).
 */
export function createSharedCaches(): (deviceId: string) => {
  msgRetryCounterCache: CacheStore
  userDevicesCache: CacheStore
  callOfferCache: CacheStore
  placeholderResendCache: CacheStore
} {
  // lru-cache allocates its arrays for `max` up front; an evicted entry only costs a re-fetch or a recount.
  const msgRetry = new SharedCache(20_000, 60 * 60_000)
  const userDevices = new SharedCache(20_000, 5 * 60_000)
  const callOffers = new SharedCache(2_000, 5 * 60_000)
  const placeholderResends = new SharedCache(20_000, 60 * 60_000)
  return (deviceId) => ({
    msgRetryCounterCache: msgRetry.forSession(deviceId),
    userDevicesCache: userDevices.forSession(deviceId),
    callOfferCache: callOffers.forSession(deviceId),
    placeholderResendCache: placeholderResends.forSession(deviceId),
  })
}
