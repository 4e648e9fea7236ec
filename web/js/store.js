/**
 * The sessions the dashboard knows, keyed by deviceId. Views subscribe and receive only the session
 * that changed, so one status event updates one card rather than re-rendering the list.
 */
export class SessionStore {
  /** @type {Map<string, object>} */
  #sessions = new Map()
  #listeners = new Set()

  /** @param {(change: {kind: 'reset'|'upsert'|'remove', session?: object, deviceId?: string}) => void} listener */
  subscribe(listener) {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #emit(change) {
    for (const listener of this.#listeners) listener(change)
  }

  get(deviceId) {
    return this.#sessions.get(deviceId)
  }

  all() {
    return [...this.#sessions.values()]
  }

  reset(sessions) {
    this.#sessions = new Map(sessions.map((session) => [session.deviceId, session]))
    this.#emit({ kind: 'reset' })
  }

  upsert(session) {
    this.#sessions.set(session.deviceId, session)
    this.#emit({ kind: 'upsert', session })
  }

  /** Merges fields into a known session; returns false when the session is unknown. */
  patch(deviceId, fields) {
    const current = this.#sessions.get(deviceId)
    if (!current) return false
    this.upsert({ ...current, ...fields })
    return true
  }

  remove(deviceId) {
    if (this.#sessions.delete(deviceId)) this.#emit({ kind: 'remove', deviceId })
  }
}
