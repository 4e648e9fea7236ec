import { LRUCache } from 'lru-cache'

/** Key types Baileys reads on every message; pre-keys (read once) and app-state keys (rare) are not cached. */
const HOT_TYPES: ReadonlySet<string> = new Set([
  'session', 'identity-key', 'lid-mapping', 'device-list', 'sender-key', 'sender-key-memory', 'tctoken',
])

/** Remembers that the database has no such key, so misses are cached too. */
const ABSENT = Symbol('absent')
/** A key being written: readers go to the database until the write has landed. */
const PENDING = Symbol('pending')
type Entry = { value: unknown } | typeof ABSENT | typeof PENDING

/** A found value, or undefined for a key the database does not have. */
const entryFor = (value: unknown): Entry => (value === undefined ? ABSENT : { value })

/** What the cache knows of one session. */
interface DeviceState {
  /** Writes so far; a read started before the last write is too old to cache. */
  writes: number
  /** Part of every cache key: a new generation makes all of the session's older entries unreachable. */
  generation: number
}

/**
 * One bounded cache of parsed Signal keys in front of the database, shared by every session:
 * the hot keys of active chats skip SQL and JSON parsing, and memory stays capped however many
 * sessions there are. Each session's keys have one writer (its socket), so write-through keeps it exact,
 * provided a value read from the database is not cached over a write that landed while the read was
 * under way: reads take a ticket first and are remembered only if no write came in between.
 *
 * Entries are replaced in place and never deleted on the message path. V8 leaves a deleted Map entry
 * in its bucket's chain until the table is rebuilt, so deleting and re-adding the same keys on every
 * message made each lookup walk thousands of dead entries once the cache held a thousand sessions' keys.
 */
export class KeyCache {
  private readonly devices = new Map<string, DeviceState>()
  private readonly entries: LRUCache<string, Entry>

  constructor(maxBytes: number) {
    // Sizes come with each set: they are known there, and a size callback would need a second map.
    this.entries = new LRUCache<string, Entry>({ maxSize: maxBytes })
  }

  static isHot(type: string): boolean {
    return HOT_TYPES.has(type)
  }

  /** The cached value: `{ value }`, `null` when the database is known to have none, undefined when unknown. */
  get(deviceId: string, type: string, id: string): { value: unknown } | null | undefined {
    const entry = this.entries.get(this.keyOf(deviceId, type, id))
    return entry === ABSENT ? null : entry === PENDING ? undefined : entry
  }

  /** Taken before reading from the database; hand it to rememberRead. */
  readTicket(deviceId: string): number {
    return this.devices.get(deviceId)?.writes ?? 0
  }

  /** Caches what a read found (undefined: nothing), unless the session's keys were written since its ticket. */
  rememberRead(deviceId: string, type: string, id: string, value: unknown, bytes: number, ticket: number): void {
    if (this.readTicket(deviceId) === ticket) this.store(deviceId, type, id, entryFor(value), bytes)
  }

  /** Caches a value just written (or its deletion, with value undefined); `bytes` approximates its size. */
  rememberWrite(deviceId: string, type: string, id: string, value: unknown, bytes: number): void {
    this.device(deviceId).writes++
    this.store(deviceId, type, id, entryFor(value), bytes)
  }

  /** Marks keys about to be written, so nobody reads them from here while the database changes. */
  forget(deviceId: string, keys: ReadonlyArray<{ type: string; id: string }>): void {
    this.device(deviceId).writes++
    for (const { type, id } of keys) this.store(deviceId, type, id, PENDING, 0)
  }

  /** Forgets every key of a session (logout, deletion, the session moving to another node): they age out unread. */
  dropDevice(deviceId: string): void {
    const device = this.device(deviceId)
    device.writes++
    device.generation++
  }

  private store(deviceId: string, type: string, id: string, entry: Entry, bytes: number): void {
    const key = this.keyOf(deviceId, type, id)
    this.entries.set(key, entry, { size: bytes + key.length })
  }

  private device(deviceId: string): DeviceState {
    let device = this.devices.get(deviceId)
    if (!device) this.devices.set(deviceId, (device = { writes: 0, generation: 0 }))
    return device
  }

  private keyOf(deviceId: string, type: string, id: string): string {
    return `${deviceId}\u0000${this.devices.get(deviceId)?.generation ?? 0}\u0000${type}\u0000${id}`
  }
}
