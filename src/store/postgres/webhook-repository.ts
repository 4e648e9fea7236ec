import type { PgPool } from './pool.js'
import type { WebhookRepository } from '../ports.js'
import { type WebhookRow, toWebhookRecord as toRecord } from '../rows.js'

export function createPostgresWebhookRepository(pool: PgPool): WebhookRepository {
  return {
    create: async (record) => {
      await pool.query('INSERT INTO webhooks (id, device_id, url, secret, events, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        record.id,
        record.deviceId,
        record.url,
        record.secret,
        JSON.stringify(record.events),
        record.createdAt,
      ])
    },
    listForDevice: async (deviceId) =>
      (await pool.query<WebhookRow>('SELECT * FROM webhooks WHERE device_id = $1 ORDER BY created_at, id', [deviceId])).rows.map(toRecord),
    get: async (id) => {
      const { rows } = await pool.query<WebhookRow>('SELECT * FROM webhooks WHERE id = $1', [id])
      return rows[0] && toRecord(rows[0])
    },
    delete: async (id) => (await pool.query('DELETE FROM webhooks WHERE id = $1', [id])).rowCount === 1,
  }
}
