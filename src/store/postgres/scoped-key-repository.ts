import type { PgPool } from './pool.js'
import type { ScopedKeyRepository } from '../ports.js'
import { type ScopedKeyRow, scopedKeyValues, toScopedKeyRecord } from '../rows.js'

export function createPostgresScopedKeyRepository(pool: PgPool): ScopedKeyRepository {
  return {
    insert: async (record) => {
      await pool.query(
        `INSERT INTO session_keys (id, device_id, name, scopes, key_hash, key_prefix, created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        scopedKeyValues(record),
      )
    },
    list: async (deviceId) =>
      (await pool.query<ScopedKeyRow>('SELECT * FROM session_keys WHERE device_id = $1 ORDER BY created_at, id', [deviceId])).rows.map(toScopedKeyRecord),
    findByHash: async (keyHash) => {
      const { rows } = await pool.query<ScopedKeyRow>('SELECT * FROM session_keys WHERE key_hash = $1', [keyHash])
      return rows[0] && toScopedKeyRecord(rows[0])
    },
    delete: async (deviceId, id) => (await pool.query('DELETE FROM session_keys WHERE device_id = $1 AND id = $2', [deviceId, id])).rowCount === 1,
    touch: async (id, at) => {
      await pool.query('UPDATE session_keys SET last_used_at = $1 WHERE id = $2', [at, id])
    },
  }
}
