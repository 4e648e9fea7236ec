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
 * sessions there are. Each session's keys have one writer (its socket), so write-through keeps it exact,
 * provided a value read from the database is not cached over a write that landed while the read was
 * under way: reads take a ticket first and are remembered only if no write came in between.
 */
export class KeyCache {
  /** Approximate bytes of each entry, known when it is stored (lru-cache asks for it by key). */
  private readonly sizes = new Map<string, number>()
  /** Writes per session so far; a read started before the last write is too old to cache. */
  private readonly writes = new Map<string, number>()
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

  /** Taken before reading from the database; hand it to rememberRead. */
  readTicket(deviceId: string): number {
    return this.writes.get(deviceId) ?? 0
  }

  /** Caches what a read found (undefined: nothing), unless the session's keys were written since its ticket. */
  rememberRead(deviceId: string, type: string, id: string, value: unknown, bytes: number, ticket: number): void {
    if (this.readTicket(deviceId) === ticket) this.store(deviceId, type, id, value, bytes)
  }

  /** Caches a value just written (or its deletion, with value undefined); `bytes` approximates its size. */
  rememberWrite(deviceId: string, type: string, id: string, value: unknown, bytes: number): void {
    this.writes.set(deviceId, this.readTicket(deviceId) + 1)
    this.store(deviceId, type, id, value, bytes)
  }

  /** Drops keys about to be written, so nobody reads them from here while the database changes. */
  forget(deviceId: string, keys: ReadonlyArray<{ type: string; id: string }>): void {
    this.writes.set(deviceId, this.readTicket(deviceId) + 1)
    for (const { type, id } of keys) this.entries.delete(keyOf(deviceId, type, id))
  }

  private store(deviceId: string, type: string, id: string, value: unknown, bytes: number): void {
    const key = keyOf(deviceId, type, id)
    this.sizes.set(key, bytes + key.length)
    this.entries.set(key, value === undefined ? ABSENT : { value })
  }

  /** Forgets every key of a session (logout, deletion, a new socket). */
  dropDevice(deviceId: string): void {
    this.writes.set(deviceId, this.readTicket(deviceId) + 1)
    const prefix = `${deviceId}\u0000`
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key)
  }
}

const keyOf = (deviceId: string, type: string, id: string): string => `${deviceId}\u0000${type}\u0000${id}`
