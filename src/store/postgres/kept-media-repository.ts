import type { PgPool } from './pool.js'
import type { KeptMediaRepository } from '../ports.js'
import { type KeptMediaRow, toKeptMediaRecord } from '../rows.js'

export function createPostgresKeptMediaRepository(pool: PgPool): KeptMediaRepository {
  return {
    record: async ({ deviceId, messageId, key, sha256, size, keptAt }) => {
      await pool.query(
        `INSERT INTO kept_media (device_id, message_id, store_key, sha256, size, kept_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (device_id, message_id) DO UPDATE SET store_key = excluded.store_key, sha256 = excluded.sha256, size = excluded.size, kept_at = excluded.kept_at`,
        [deviceId, messageId, key, sha256, size, keptAt],
      )
    },
    get: async (deviceId, messageId) => {
      const { rows } = await pool.query<KeptMediaRow>('SELECT * FROM kept_media WHERE device_id = $1 AND message_id = $2', [deviceId, messageId])
      return rows[0] && toKeptMediaRecord(rows[0])
    },
    olderThan: async (keptBefore, limit) =>
      (await pool.query<KeptMediaRow>('SELECT * FROM kept_media WHERE kept_at < $1 ORDER BY kept_at LIMIT $2', [keptBefore, limit])).rows.map(toKeptMediaRecord),
    forget: async (kept) => {
      await pool.query(
        'DELETE FROM kept_media WHERE (device_id, message_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))',
        [kept.map((k) => k.deviceId), kept.map((k) => k.messageId)],
      )
    },
  }
}
