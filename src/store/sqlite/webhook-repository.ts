import type { SqliteDatabase } from './database.js'
import type { WebhookRepository } from '../ports.js'
import { type WebhookRow, toWebhookRecord as toRecord } from '../rows.js'

export function createSqliteWebhookRepository(db: SqliteDatabase): WebhookRepository {
  const insert = db.prepare('INSERT INTO webhooks (id, device_id, url, secret, events, created_at) VALUES (?, ?, ?, ?, ?, ?)')
  const forDevice = db.prepare<[string], WebhookRow>('SELECT * FROM webhooks WHERE device_id = ? ORDER BY created_at, id')
  const one = db.prepare<[string], WebhookRow>('SELECT * FROM webhooks WHERE id = ?')
  const remove = db.prepare('DELETE FROM webhooks WHERE id = ?')
  return {
    create: async (record) =>
      void insert.run(record.id, record.deviceId, record.url, record.secret, JSON.stringify(record.events), record.createdAt),
    listForDevice: async (deviceId) => forDevice.all(deviceId).map(toRecord),
    get: async (id) => {
      const row = one.get(id)
      return row && toRecord(row)
    },
    delete: async (id) => remove.run(id).changes === 1,
  }
}
