import { statementPerCount, type SqliteDatabase } from './database.js'
import type { GroupCommit } from './group-commit.js'
import type { AuthStateRepository } from '../ports.js'

/** SQLite caps host parameters per statement; reads of many ids go in chunks. */
const MAX_IDS_PER_QUERY = 500

/**
 * Key writes go through `groupCommit` at once (`runNow`): Baileys commits a sent message's keys
 * once it is on the wire, so they land before anything else happens, as a transaction of their own
 * did; now the writes of the turn still pending (received messages' rows, delivered marks) land in
 * the same commit instead of one of their own.
 */
export function createSqliteAuthStateRepository(db: SqliteDatabase, groupCommit: GroupCommit): AuthStateRepository {
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
  const clear = db.transaction((deviceId: string) => {
    deleteKeys.run(deviceId)
    deleteCreds.run(deviceId)
  })

  return {
    readCreds: async (deviceId) => selectCreds.get(deviceId)?.creds,
    writeCreds: async (deviceId, creds) => void upsertCreds.run(deviceId, creds),
    readKeys: async (deviceId, type, ids) => {
      const found = new Map<string, string>()
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
    writeKeys: async (deviceId, writes) => groupCommit.runNow(() => writeKeys(deviceId, writes)),
    clear: async (deviceId) => clear(deviceId),
  }
}
