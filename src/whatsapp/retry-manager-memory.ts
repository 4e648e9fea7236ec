import type { MessageRetryManager } from '@whiskeysockets/baileys'
import { LRUCache } from 'lru-cache'

/** Baileys' bounds for the base keys of retried messages (message-retry-manager.js). */
const BASE_KEYS_MAX = 1024
const BASE_KEYS_TTL_MS = 15 * 60_000

/** The fields replaced here; private in Baileys' typings. */
interface RetryManagerCaches {
  recentMessagesMap: { get(key: string): unknown; delete(key: string): unknown; clear(): void }
  baseKeys: LRUCache<string, Uint8Array>
}

/**
 * Each socket's retry manager keeps every message sent and received for five minutes (with a timer
 * each: about 8 KB of heap per message) and preallocates its caches for 512 and 1,024 entries (about
 * 70 KB per session that every full GC walks, used only when a message is retried). The outbox
 * already stores what was sent, and getMessage answers retry receipts from it, so nothing is kept
 * here; the base keys keep Baileys' bounds but allocate as they fill. Counting retries and
 * recreating sessions work as before.
 */
export function slimRetryManager(manager: MessageRetryManager): void {
  const caches = manager as unknown as RetryManagerCaches
  manager.addRecentMessage = () => {}
  caches.recentMessagesMap = new Map()
  caches.baseKeys = new LRUCache<string, Uint8Array>({ maxSize: BASE_KEYS_MAX, sizeCalculation: () => 1, ttl: BASE_KEYS_TTL_MS })
}
