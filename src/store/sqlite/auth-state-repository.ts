import { statementPerCount, type SqliteDatabase } from './database.js'
import type { GroupCommit } from './group-commit.js'
import type { AuthStateRepository } from '../ports.js'

/** SQLite caps host parameters per statement; reads of many ids go in chunks. */
const MAX_IDS_PER_QUERY = 500

/** A key write that has not landed yet: the value it writes (null: a delete). */
interface UnwrittenKey {
  value: string | null
}

const unwrittenKey = (deviceId: string, type: string, id: string): string => `${deviceId}\u0000${type}\u0000${id}`

/**
 * Key writes go through `groupCommit`: a received message's keys commit with its row (and with the
 * other writes of the turn) instead of in a commit of their own. Each still settles once committed,
 * so Baileys, which waits for its keys before it acknowledges or sends, goes on only with them
 * stored. Until they land, reads answer from the writes waiting (`unwritten`), never from the
 * database's older rows; a write that fails leaves the database's value to be read again.
 */
export function createSqliteAuthStateRepository(db: SqliteDatabase, groupCommit: GroupCommit): AuthStateRepository {
  /** The newest waiting write of each key, by unwrittenKey. */
  const unwritten = new Map<string, UnwrittenKey>()
  const selectCreds = db.prepare<[string], { creds: string }>('SELECT creds FROM auth_creds WHERE device_id = ?')
  const upsertCreds = db.prepare(
    `INSERT INTO auth_creds (device_id, creds) VALUES (?, ?)
     ON CONFLICT (device_id) DO UPDATE SET creds = excluded.creds`,
  )
  const selectKey = db.prepare<[string, string, string], { value: string }>(
    'SELECT value FROM auth_keys WHERE device_id = ? AND type = ? AND key_id = ?',
  )
  const upsertKey = db.prepare(
    `INSERT INTO auth_keys (device_id, type, key_id, value) VALUES (?, ?, ?, ?)
     ON CONFLICT (device_id, type, key_id) DO UPDATE SET value = excluded.value`,
  )
  const deleteKey = db.prepare('DELETE FROM auth_keys WHERE device_id = ? AND type = ? AND key_id = ?')
  const deleteCreds = db.prepare('DELETE FROM auth_creds WHERE device_id = ?')
  const deleteKeys = db.prepare('DELETE FROM auth_keys WHERE device_id = ?')

  // A restore reads several ids at once per session, thousands of times.
  const selectIn = statementPerCount<unknown[], { key_id: string; value: string }>(
    db,
    (placeholders) => `SELECT key_id, value FROM auth_keys WHERE device_id = ? AND type = ? AND key_id IN (${placeholders})`,
  )
  const selectMany = (deviceId: string, type: string, ids: readonly string[]): { key_id: string; value: string }[] =>
    selectIn(ids.length).all(deviceId, type, ...ids)

  const writeKeys = db.transaction((deviceId: string, writes: readonly { type: string; id: string; value: string | null }[]) => {
    for (const { type, id, value } of writes) {
      if (value === null) deleteKey.run(deviceId, type, id)
      else upsertKey.run(deviceId, type, id, value)
    }
  })
  const writeWaiting = (deviceId: string, writes: readonly { type: string; id: string; value: string | null }[]): Promise<void> => {
    const waiting = writes.map(({ type, id, value }): [string, UnwrittenKey] => [unwrittenKey(deviceId, type, id), { value }])
    for (const [key, write] of waiting) unwritten.set(key, write)
    const landed = (): void => {
      // A later write of the same key may be waiting still: it stays.
      for (const [key, write] of waiting) if (unwritten.get(key) === write) unwritten.delete(key)
    }
    return groupCommit.runAtomic(() => writeKeys(deviceId, writes)).finally(landed)
  }
  const clear = db.transaction((deviceId: string) => {
    deleteKeys.run(deviceId)
    deleteCreds.run(deviceId)
  })

  return {
    readCreds: async (deviceId) => selectCreds.get(deviceId)?.creds,
    writeCreds: async (deviceId, creds) => void upsertCreds.run(deviceId, creds),
    readKeys: async (deviceId, type, requested) => {
      const found = new Map<string, string>()
      let ids = requested
      if (unwritten.size > 0) {
        ids = requested.filter((id) => {
          const waiting = unwritten.get(unwrittenKey(deviceId, type, id))
          if (waiting !== undefined && waiting.value !== null) found.set(id, waiting.value)
          return waiting === undefined
        })
        if (ids.length === 0) return found
      }
      if (ids.length === 1) {
        // The hot path (one session or pre-key per message) uses a cached statement.
        const row = selectKey.get(deviceId, type, ids[0]!)
        if (row) found.set(ids[0]!, row.value)
        return found
      }
      for (let start = 0; start < ids.length; start += MAX_IDS_PER_QUERY) {
        for (const row of selectMany(deviceId, type, ids.slice(start, start + MAX_IDS_PER_QUERY))) {
          found.set(row.key_id, row.value)
        }
      }
      return found
    },
    writeKeys: writeWaiting,
    // Writes waiting land first, so the clear removes them too; none of the device's is read after it.
    clear: async (deviceId) => {
      groupCommit.flush()
      clear(deviceId)
      const prefix = unwrittenKey(deviceId, '', '').slice(0, -1)
      for (const key of unwritten.keys()) if (key.startsWith(prefix)) unwritten.delete(key)
    },
  }
}
