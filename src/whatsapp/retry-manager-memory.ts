import { MessageRetryManager, type SocketConfig } from '@whiskeysockets/baileys'
import type { LRUCache } from 'lru-cache'
import { ttlCache } from '../ttl-cache.js'

type ExpiringOptions<V extends {}> = LRUCache.Options<string, V, unknown> & { ttl: number }

/** The retry manager's bounds (message-retry-manager.js): its caches are made with the same. */
const RECREATED_SESSIONS: ExpiringOptions<number> = { ttl: 2 * 60 * 60_000, ttlAutopurge: true }
const RETRY_COUNTERS: ExpiringOptions<number> = { ttl: 15 * 60_000, ttlAutopurge: true, updateAgeOnGet: true }
const BASE_KEYS: ExpiringOptions<Uint8Array> = { maxSize: 1024, sizeCalculation: () => 1, ttl: 15 * 60_000 }

/** An LRU cache made on its first write: most sockets never retry a message, and an empty lru-cache is about 2 KB. */
class LazyLru<V extends {}> {
  private cache: LRUCache<string, V> | undefined

  constructor(private readonly options: ExpiringOptions<V>) {}

  get(key: string): V | undefined {
    return this.cache?.get(key)
  }

  set(key: string, value: V): this {
    ;(this.cache ??= ttlCache<string, V>(this.options)).set(key, value)
    return this
  }

  delete(key: string): boolean {
    return this.cache?.delete(key) ?? false
  }

  clear(): void {
    this.cache?.clear()
  }
}

type RetryManagerFactory = NonNullable<SocketConfig['makeMessageRetryManager']>

/** Keeps no message: the outbox stores what was sent, and getMessage answers retry receipts from it. */
const KEEPS_NO_MESSAGES = Object.create(MessageRetryManager.prototype, { addRecentMessage: { value: () => undefined } }) as MessageRetryManager

/**
 * Each socket's retry manager keeps every message sent and received for five minutes (with a timer
 * each: about 8 KB of heap per message) and makes four caches up front (about 70 KB per session with
 * the preallocated ones, about 2 KB each otherwise, which every full GC walks), used only when a
 * message is retried. This one keeps no message, and its other caches keep Baileys' bounds but are
 * made on their first write. Counting retries and recreating sessions work as before. It is made
 * without running Baileys' constructor: building the four caches only to replace them was 2% of a
 * restore's CPU. Its fields are the constructor's (a test compares them with a real manager's).
 */
export const slimRetryManager: RetryManagerFactory = (logger, maxMsgRetryCount) =>
  Object.assign(Object.create(KEEPS_NO_MESSAGES) as MessageRetryManager, {
    logger,
    recentMessagesMap: new Map(),
    messageKeyIndex: new Map(),
    sessionRecreateHistory: new LazyLru(RECREATED_SESSIONS),
    retryCounters: new LazyLru(RETRY_COUNTERS),
    baseKeys: new LazyLru(BASE_KEYS),
    pendingPhoneRequests: {},
    maxMsgRetryCount,
    statistics: { totalRetries: 0, successfulRetries: 0, failedRetries: 0, mediaRetries: 0, sessionRecreations: 0, phoneRequests: 0 },
  })
