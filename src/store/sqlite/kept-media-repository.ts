import type { SqliteDatabase } from './database.js'
import type { KeptMediaRepository } from '../ports.js'
import { type KeptMediaRow, toKeptMediaRecord } from '../rows.js'

export function createSqliteKeptMediaRepository(db: SqliteDatabase): KeptMediaRepository {
  const upsert = db.prepare(
    `INSERT INTO kept_media (device_id, message_id, store_key, sha256, size, kept_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (device_id, message_id) DO UPDATE SET store_key = excluded.store_key, sha256 = excluded.sha256, size = excluded.size, kept_at = excluded.kept_at`,
  )
  const one = db.prepare<[string, string], KeptMediaRow>('SELECT * FROM kept_media WHERE device_id = ? AND message_id = ?')
  const oldest = db.prepare<[number, number], KeptMediaRow>('SELECT * FROM kept_media WHERE kept_at < ? ORDER BY kept_at LIMIT ?')
  const remove = db.prepare('DELETE FROM kept_media WHERE device_id = ? AND message_id = ?')
  const forget = db.transaction((kept: ReadonlyArray<{ deviceId: string; messageId: string }>) => {
    for (const { deviceId, messageId } of kept) remove.run(deviceId, messageId)
  })
  return {
    record: async ({ deviceId, messageId, key, sha256, size, keptAt }) => void upsert.run(deviceId, messageId, key, sha256, size, keptAt),
    get: async (deviceId, messageId) => {
      const row = one.get(deviceId, messageId)
      return row && toKeptMediaRecord(row)
    },
    olderThan: async (keptBefore, limit) => oldest.all(keptBefore, limit).map(toKeptMediaRecord),
    forget: async (kept) => forget(kept),
  }
}
