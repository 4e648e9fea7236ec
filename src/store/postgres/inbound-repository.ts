import { inTransaction, type PgPool } from './pool.js'
import type { InboundMessageRepository } from '../ports.js'
import { firstStoredSince } from './retention-boundary.js'
import { deliveryParams, insertDeliveriesSql } from './delivery-repository.js'
import { INBOUND_COLUMNS as COLUMNS, type InboundRow, toInboundRecord as toRecord } from '../rows.js'

export function createPostgresInboundRepository(pool: PgPool): InboundMessageRepository {
  return {
    // One statement: the row, and its deliveries only when the row is new (or stored by an earlier
    // version without its event: announced is false, and the update makes it count).
    insert: async (record, raw, deliveries = []) => {
      const { rows } = await pool.query<{ stored: number }>(
        `WITH stored AS (
           INSERT INTO inbound_messages (device_id, id, chat, type, payload, raw, timestamp, created_at, from_me, status, announced)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, TRUE)
           ON CONFLICT (device_id, id) DO UPDATE SET announced = TRUE WHERE NOT inbound_messages.announced
           RETURNING 1
         ), queued AS (${insertDeliveriesSql(11, 'WHERE EXISTS (SELECT 1 FROM stored)')})
         SELECT COUNT(*)::int AS stored FROM stored`,
        [record.deviceId, record.id, record.chat, record.type, record.payload, raw && Buffer.from(raw), record.timestamp, Date.now(),
          record.fromMe ?? false, record.fromMe ? 'sent' : null, ...deliveryParams(deliveries)],
      )
      return rows[0]!.stored === 1
    },
    insertHistory: async (deviceId, messages) =>
      inTransaction(pool, async (client) => {
        const now = Date.now()
        let stored = 0
        for (const { record, raw } of messages) {
          const result = await client.query(
            `INSERT INTO inbound_messages (device_id, id, chat, type, payload, raw, timestamp, created_at, from_me, status, read_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (device_id, id) DO NOTHING`,
            [deviceId, record.id, record.chat, record.type, record.payload, raw && Buffer.from(raw), record.timestamp, now, record.fromMe, record.status, record.readAt],
          )
          stored += result.rowCount ?? 0
        }
        return stored
      }),
    get: async (deviceId, id) => {
      const { rows } = await pool.query<InboundRow>(`SELECT ${COLUMNS} FROM inbound_messages WHERE device_id = $1 AND id = $2`, [deviceId, id])
      return rows[0] && toRecord(rows[0])
    },
    getMany: async (deviceId, ids) =>
      (await pool.query<InboundRow>(`SELECT ${COLUMNS} FROM inbound_messages WHERE device_id = $1 AND id = ANY($2)`, [deviceId, ids])).rows.map(toRecord),
    unread: async (deviceId, chat, limit) =>
      (
        await pool.query<InboundRow>(
          `SELECT ${COLUMNS} FROM inbound_messages WHERE device_id = $1 AND chat = $2 AND read_at IS NULL AND NOT from_me
           ORDER BY timestamp, seq LIMIT $3`,
          [deviceId, chat, limit],
        )
      ).rows.map(toRecord),
    advanceStatus: async (deviceId, id, status, allowedFrom) => {
      const { rows } = await pool.query<InboundRow>(
        `UPDATE inbound_messages SET status = $1 WHERE device_id = $2 AND id = $3 AND from_me AND status = ANY($4) RETURNING ${COLUMNS}`,
        [status, deviceId, id, allowedFrom],
      )
      return rows[0] && toRecord(rows[0])
    },
    markRead: async (deviceId, ids, at) => {
      await pool.query('UPDATE inbound_messages SET read_at = $1 WHERE device_id = $2 AND id = ANY($3) AND read_at IS NULL', [at, deviceId, ids])
    },
    raw: async (deviceId, id) =>
      (await pool.query<{ raw: Buffer | null }>('SELECT raw FROM inbound_messages WHERE device_id = $1 AND id = $2', [deviceId, id])).rows[0]?.raw ??
      undefined,
    updateRaw: async (deviceId, id, raw) => {
      await pool.query('UPDATE inbound_messages SET raw = $1 WHERE device_id = $2 AND id = $3', [Buffer.from(raw), deviceId, id])
    },
    listByChat: async (deviceId, chat, limit, before = Number.MAX_SAFE_INTEGER) =>
      (
        await pool.query<InboundRow>(
          `SELECT ${COLUMNS} FROM inbound_messages WHERE device_id = $1 AND chat = $2 AND timestamp < $3
           ORDER BY timestamp DESC, seq DESC LIMIT $4`,
          [deviceId, chat, before, limit],
        )
      ).rows.map(toRecord),
    deleteOlderThan: async (createdBefore) =>
      (await pool.query(`DELETE FROM inbound_messages WHERE seq < ${firstStoredSince('inbound_messages', '$1')}`, [createdBefore])).rowCount ?? 0,
  }
}
