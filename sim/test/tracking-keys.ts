import type { SignalDataSet } from '@whiskeysockets/baileys'
import { makeMemoryKeyStore } from '../memory-keys.js'

/**
 * A memory key store that remembers which session entries exist, so a test can snapshot them and
 * roll them back: the stale-session technique, as when a server process dies before its key-store
 * transaction commits and another takes the session over.
 */
export function trackingKeyStore() {
  const store = makeMemoryKeyStore()
  const sessionIds = new Set<string>()
  return {
    store: {
      ...store,
      set(data: SignalDataSet) {
        for (const [id, value] of Object.entries(data.session ?? {})) {
          if (value) sessionIds.add(id)
          else sessionIds.delete(id)
        }
        return store.set(data)
      }
    },
    /** the Signal sessions as they are now */
    async snapshot(): Promise<SignalDataSet> {
      return { session: await store.get('session', [...sessionIds]) }
    },
    /** puts the sessions back as they were in `snapshot`, as a rolled-back transaction would */
    async restore(snapshot: SignalDataSet): Promise<void> {
      const session: NonNullable<SignalDataSet['session']> = { ...snapshot.session }
      for (const id of sessionIds) if (!(id in session)) session[id] = null
      await this.store.set({ session })
    }
  }
}
