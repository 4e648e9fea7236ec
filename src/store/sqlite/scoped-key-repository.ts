import type { SqliteDatabase } from './database.js'
import type { ScopedKeyRepository } from '../ports.js'
import { type ScopedKeyRow, scopedKeyValues, toScopedKeyRecord } from '../rows.js'

export function createSqliteScopedKeyRepository(db: SqliteDatabase): ScopedKeyRepository {
  const insert = db.prepare(
    `INSERT INTO session_keys (id, device_id, name, scopes, key_hash, key_prefix, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const selectByDevice = db.prepare<[string], ScopedKeyRow>('SELECT * FROM session_keys WHERE device_id = ? ORDER BY created_at, id')
  const selectByHash = db.prepare<[string], ScopedKeyRow>('SELECT * FROM session_keys WHERE key_hash = ?')
  const remove = db.prepare('DELETE FROM session_keys WHERE device_id = ? AND id = ?')
  const touch = db.prepare('UPDATE session_keys SET last_used_at = ? WHERE id = ?')
  return {
    insert: async (record) => void insert.run(...scopedKeyValues(record)),
    list: async (deviceId) => selectByDevice.all(deviceId).map(toScopedKeyRecord),
    findByHash: async (keyHash) => {
      const row = selectByHash.get(keyHash)
      return row && toScopedKeyRecord(row)
    },
    delete: async (deviceId, id) => remove.run(deviceId, id).changes === 1,
    touch: async (id, at) => void touch.run(at, id),
  }
}
