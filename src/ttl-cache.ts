import { LRUCache } from 'lru-cache'

/**
 * An LRU cache whose entries expire. lru-cache caches its clock for a millisecond by default, arming
 * a timer each time it reads it again: under load thousands of timers a second per cache, and an
 * idle event loop woken a millisecond after each read. Here it reads `performance.now()` at each
 * check instead, which costs less than the timer.
 */
export function ttlCache<K extends {}, V extends {}>(options: LRUCache.Options<K, V, unknown> & { ttl: number }): LRUCache<K, V> {
  return new LRUCache<K, V>({ ...options, ttlResolution: 0 })
}
