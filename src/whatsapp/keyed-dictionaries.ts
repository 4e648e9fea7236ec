/** An object without a prototype: V8 keeps it as a dictionary from the start. */
const dictionaryOf = (object: object): Record<string, unknown> => Object.assign(Object.create(null) as Record<string, unknown>, object)

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)

/**
 * Makes the objects in a Signal key that are keyed by data (libsignal's session records by base key,
 * each session's chains by ratchet key, Baileys' sender-key memory by device JID) dictionaries, in
 * place, and returns the value.
 *
 * Parsed from JSON, each such object has a V8 hidden class of its own, recorded as a transition from
 * the empty object's. V8 records at most 1,536 of those and drops one only when its hidden class has
 * died and a full collection clears it: objects keyed by data keep the table full in a running
 * server, and a cached record holds its transitions for as long as it is cached. With the table
 * full, every object built from `{}` with a first key not recorded yet (Baileys' device lists, HTTP
 * headers) gets a new hidden class each time it is built. Dictionaries take no transition.
 * libsignal's own records are dictionaries already (patches/libsignal+6.0.0.patch); this is for
 * what the database gives back.
 */
export function keyedByData<T>(type: string, value: T): T {
  if (!isObject(value)) return value
  if (type === 'sender-key-memory') return dictionaryOf(value) as T
  const record: Record<string, unknown> = value
  if (type === 'session' && isObject(record._sessions)) {
    const sessions = dictionaryOf(record._sessions)
    for (const session of Object.values(sessions)) {
      if (isObject(session) && isObject(session._chains)) session._chains = dictionaryOf(session._chains)
    }
    record._sessions = sessions
  }
  return value
}
