import type { CacheStore, SocketScopedCache } from '@whiskeysockets/baileys'
import type { LRUCache } from 'lru-cache'
import { ttlCache } from '../ttl-cache.js'

/** Tells apart the views of sockets that follow one another for a session, and of one socket's clears. */
let scopes = 0

/** One bounded store for a kind of Baileys cache, shared by every socket, each socket seeing its own keys. */
class SharedCache {
  private readonly entries: LRUCache<string, {}>

  constructor(max: number, ttlMs: number, updateAgeOnGet = false) {
    // No autopurge: expired entries are dropped when read or evicted, so there is no timer at all. A
    // size of 1 an entry bounds the count like `max` would, without allocating arrays for `max` up front.
    this.entries = ttlCache<string, {}>({ maxSize: max, sizeCalculation: () => 1, ttl: ttlMs, updateAgeOnGet })
  }

  /** The view one session gets: its keys are prefixed with its id, so sessions never see each other's entries. */
  forSession(deviceId: string): CacheStore {
    return new SessionView(this.entries, `${deviceId}\u0000`)
  }

  /** The view one socket gets, for a cache Baileys would otherwise make per socket and clear when it closes. */
  forSocket<V extends {}>(deviceId: string): SocketScopedCache<V> {
    return new SocketView<V>(this.entries, deviceId)
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
 * A socket's view of a shared cache. Clearing moves the view to a fresh prefix instead of walking the
 * whole store for its keys: what it held is unreachable at once and ages out of the LRU.
 */
class SocketView<V extends {}> implements SocketScopedCache<V> {
  private prefix: string

  constructor(
    private readonly entries: LRUCache<string, {}>,
    private readonly deviceId: string,
  ) {
    this.prefix = this.nextPrefix()
  }

  get(key: string): V | undefined {
    return this.entries.get(this.prefix + key) as V | undefined
  }

  set(key: string, value: V): void {
    this.entries.set(this.prefix + key, value)
  }

  has(key: string): boolean {
    return this.entries.has(this.prefix + key)
  }

  clear(): void {
    this.prefix = this.nextPrefix()
  }

  private nextPrefix(): string {
    return `${this.deviceId}\u0000${++scopes}\u0000`
  }
}

/**
 * Baileys gives every socket its own NodeCaches and LRU caches, NodeCaches with an interval timer
 * each and its LRUs with a timer per entry; with a thousand sessions that is thousands of timers and
 * unbounded maps (13 KB a socket before any entry). These shared, bounded stores replace them.
 * Lifetimes follow Baileys' defaults (DEFAULT_CACHE_TTLS and the LRUs' 3 days).
 */
export function createSharedCaches(): (deviceId: string) => {
  msgRetryCounterCache: CacheStore
  userDevicesCache: CacheStore
  callOfferCache: CacheStore
  placeholderResendCache: CacheStore
  identityAssertDebounceCache: CacheStore
  lidMappingCache: SocketScopedCache<string>
  migratedSessionCache: SocketScopedCache<boolean>
} {
  // An evicted entry only costs a re-fetch or a recount.
  const msgRetry = new SharedCache(20_000, 60 * 60_000)
  const userDevices = new SharedCache(20_000, 5 * 60_000)
  const callOffers = new SharedCache(2_000, 5 * 60_000)
  const placeholderResends = new SharedCache(20_000, 60 * 60_000)
  const identityAsserts = new SharedCache(2_000, 5_000)
  // Both sides of each LID-PN pair; a mapping evicted is read back from the key store.
  const lidMappings = new SharedCache(50_000, LRU_TTL_MS, true)
  const migratedSessions = new SharedCache(20_000, LRU_TTL_MS, true)
  return (deviceId) => ({
    msgRetryCounterCache: msgRetry.forSession(deviceId),
    userDevicesCache: userDevices.forSession(deviceId),
    callOfferCache: callOffers.forSession(deviceId),
    placeholderResendCache: placeholderResends.forSession(deviceId),
    identityAssertDebounceCache: identityAsserts.forSession(deviceId),
    lidMappingCache: lidMappings.forSocket<string>(deviceId),
    migratedSessionCache: migratedSessions.forSocket<boolean>(deviceId),
  })
}

/** What Baileys' own LID-mapping and migrated-session LRUs keep an entry (3 days). */
const LRU_TTL_MS = 3 * 24 * 60 * 60_000
