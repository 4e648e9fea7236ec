/**
 * The sessions the dashboard knows, keyed by deviceId. Views subscribe and receive only the session
 * that changed, so one status event updates one card rather than re-rendering the list.
 */
export class SessionStore {
  /** @type {Map<string, object>} */
  #sessions = new Map()
  #listeners = new Set()
  /**
   * Per session, how many live status changes came and the last one: an answer to a request sent
   * before a change is older than it (the session may not even be listed yet when it comes).
   * @type {Map<string, {count: number, connectionState: string, lastError: string | null}>}
   */
  #statusChanges = new Map()

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

  /** A status change from the live stream; counted, so an answer to a request sent before it cannot undo it. */
  patchStatus(deviceId, fields) {
    this.#statusChanges.set(deviceId, { count: this.#changesOf(deviceId) + 1, connectionState: fields.connectionState, lastError: fields.lastError })
    return this.patch(deviceId, fields)
  }

  /**
   * Stores the session a request answers with. The request and the live stream travel apart, so a
   * status change that arrived while the request was out is newer than the answer's, and is kept.
   * @param {string} deviceId
   * @param {() => Promise<object>} request
   */
  async load(deviceId, request) {
    const changesBefore = this.#changesOf(deviceId)
    let session = await request()
    const latest = this.#statusChanges.get(deviceId)
    if (latest && latest.count !== changesBefore) {
      session = { ...session, connectionState: latest.connectionState, lastError: latest.lastError }
    }
    this.upsert(session)
    return session
  }

  #changesOf(deviceId) {
    return this.#statusChanges.get(deviceId)?.count ?? 0
  }

  remove(deviceId) {
    this.#statusChanges.delete(deviceId)
    if (this.#sessions.delete(deviceId)) this.#emit({ kind: 'remove', deviceId })
  }
}
