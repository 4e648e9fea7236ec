import type { SqliteDatabase } from './database.js'
import type { WebhookRecord, WebhookRepository } from './ports.js'

interface WebhookRow {
  id: string
  device_id: string
  url: string
  secret: string
  events: string
  created_at: number
}

const toRecord = (row: WebhookRow): WebhookRecord => ({
  id: row.id,
  deviceId: row.device_id,
  url: row.url,
  secret: row.secret,
  events: JSON.parse(row.events) as string[],
  createdAt: row.created_at,
})

export function createSqliteWebhookRepository(db: SqliteDatabase): WebhookRepository {
  const insert = db.prepare('INSERT INTO webhooks (id, device_id, url, secret, events, created_at) VALUES (?, ?, ?, ?, ?, ?)')
  const forDevice = db.prepare<[string], WebhookRow>('SELECT * FROM webhooks WHERE device_id = ? ORDER BY created_at, id')
  const one = db.prepare<[string], WebhookRow>('SELECT * FROM webhooks WHERE id = ?')
  const remove = db.prepare('DELETE FROM webhooks WHERE id = ?')
  return {
    create: (record) =>
      void insert.run(record.id, record.deviceId, record.url, record.secret, JSON.stringify(record.events), record.createdAt),
    listForDevice: (deviceId) => forDevice.all(deviceId).map(toRecord),
    get: (id) => {
      const row = one.get(id)
      return row && toRecord(row)
    },
    delete: (id) => remove.run(id).changes === 1,
  }
}
