import { LRUCache } from 'lru-cache'

/** Key types Baileys reads on every message; pre-keys (read once) and app-state keys (rare) are not cached. */
const HOT_TYPES: ReadonlySet<string> = new Set([
  'session', 'identity-key', 'lid-mapping', 'device-list', 'sender-key', 'sender-key-memory', 'tctoken',
])

/** Remembers that the database has no such key, so misses are cached too. */
const ABSENT = Symbol('absent')
type Entry = { value: unknown } | typeof ABSENT

/**
 * One bounded cache of parsed Signal keys in front of the database, shared by every session:
 * the hot keys of active chats skip SQL and JSON parsing, and memory stays capped however many
 * sessions there are. Each session's keys have one writer (its socket), so write-through keeps it exact.
 */
export class KeyCache {
  /** Approximate bytes of each entry, known when it is stored (lru-cache asks for it by key). */
  private readonly sizes = new Map<string, number>()
  private readonly entries: LRUCache<string, Entry>

  constructor(maxBytes: number) {
    this.entries = new LRUCache<string, Entry>({
      maxSize: maxBytes,
      sizeCalculation: (_entry, key) => this.sizes.get(key) ?? 64,
      dispose: (_entry, key) => this.sizes.delete(key),
    })
  }

  static isHot(type: string): boolean {
    return HOT_TYPES.has(type)
  }

  /** The cached value: `{ value }`, `null` when the database is known to have none, undefined when unknown. */
  get(deviceId: string, type: string, id: string): { value: unknown } | null | undefined {
    const entry = this.entries.get(keyOf(deviceId, type, id))
    return entry === ABSENT ? null : entry
  }

  /** Caches a value (or its absence, with value undefined); `bytes` approximates its size. */
  remember(deviceId: string, type: string, id: string, value: unknown, bytes: number): void {
    const key = keyOf(deviceId, type, id)
    this.sizes.set(key, bytes + key.length)
    this.entries.set(key, value === undefined ? ABSENT : { value })
  }

  /** Forgets every key of a session (logout, deletion, a new socket). */
  dropDevice(deviceId: string): void {
    const prefix = `${deviceId}\u0000`
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key)
  }
}

const keyOf = (deviceId: string, type: string, id: string): string => `${deviceId}\u0000${type}\u0000${id}`
