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
    const prefix = `${deviceId}\u0000`
    return {
      get: <T>(key: string) => this.entries.get(prefix + key) as T | undefined,
      set: <T>(key: string, value: T) => {
        if (value === undefined || value === null) this.entries.delete(prefix + key)
        else this.entries.set(prefix + key, value as {})
      },
      del: (key: string) => this.entries.delete(prefix + key),
      flushAll: () => {
        for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key)
      },
    }
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
