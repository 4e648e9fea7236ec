import type { PgPool } from './pool.js'
import type { MessageRecord, MessageRepository } from '../ports.js'
import { MESSAGE_COLUMNS as COLUMNS, type MessageRow, toMessageRecord as toRecord } from '../rows.js'

export function createPostgresMessageRepository(pool: PgPool): MessageRepository {
  const one = async (sql: string, values: unknown[]): Promise<MessageRecord | undefined> => {
    const { rows } = await pool.query<MessageRow>(sql, values)
    return rows[0] && toRecord(rows[0])
  }

  return {
    insertOrGetExisting: async (message) => {
      // A concurrent insert with the same key makes ours wait for it, then do nothing; the row it
      // committed is then visible to the next statement. The loop covers that row being deleted
      // in between (its session removed), which frees the key again.
      for (;;) {
        const created = await one(
          `INSERT INTO messages (id, device_id, recipient, type, content, media, status, idempotency_key, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
           ON CONFLICT (device_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
           RETURNING ${COLUMNS}`,
          [message.id, message.deviceId, message.recipient, message.type, message.content, message.media, message.status, message.idempotencyKey, Date.now()],
        )
        if (created) return { record: created, created: true }
        const existing = await one(`SELECT ${COLUMNS} FROM messages WHERE device_id = $1 AND idempotency_key = $2`, [
          message.deviceId,
          message.idempotencyKey,
        ])
        if (existing) return { record: existing, created: false }
      }
    },
    get: (id) => one(`SELECT ${COLUMNS} FROM messages WHERE id = $1`, [id]),
    media: async (id) => (await pool.query<{ media: Buffer | null }>('SELECT media FROM messages WHERE id = $1', [id])).rows[0]?.media ?? undefined,
    nextQueued: async (deviceId, limit) =>
      (
        await pool.query<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE device_id = $1 AND status = 'queued' ORDER BY seq LIMIT $2`, [
          deviceId,
          limit,
        ])
      ).rows.map(toRecord),
    // With the bytes sent ($6), they are stored and the media kept for sending goes, as in markWritten.
    transition: (id, status, error, allowedFrom, waMessage) =>
      one(
        `UPDATE messages SET status = $1, error = $2, updated_at = $3, wa_message = COALESCE($6, wa_message),
           media = CASE WHEN $6::bytea IS NULL THEN media END
         WHERE id = $4 AND status = ANY($5) RETURNING ${COLUMNS}`,
        [status, error, Date.now(), id, allowedFrom, waMessage === undefined ? null : Buffer.from(waMessage)],
      ),
    markWritten: (id, waMessage) =>
      one(
        `UPDATE messages SET wa_message = $1, media = NULL, updated_at = $2, status = CASE status WHEN 'queued' THEN 'sending' ELSE status END
         WHERE id = $3 RETURNING ${COLUMNS}`,
        [Buffer.from(waMessage), Date.now(), id],
      ),
    waMessage: async (deviceId, id) =>
      (await pool.query<{ wa_message: Buffer | null }>('SELECT wa_message FROM messages WHERE device_id = $1 AND id = $2', [deviceId, id])).rows[0]
        ?.wa_message ?? undefined,
    requeueSending: async (deviceId) => {
      const { rows } = await pool.query<{ id: string }>(
        `WITH moved AS (
           UPDATE messages SET status = 'queued', updated_at = $1
           WHERE status = 'sending' AND ($2::text IS NULL OR device_id = $2)
           RETURNING id, seq
         )
         SELECT id FROM moved ORDER BY seq`,
        [Date.now(), deviceId ?? null],
      )
      return rows.map((row) => row.id)
    },
    devicesWithQueued: async () =>
      (await pool.query<{ device_id: string }>(`SELECT DISTINCT device_id FROM messages WHERE status = 'queued'`)).rows.map((row) => row.device_id),
    listByRecipient: async (deviceId, recipient, limit, before = Number.MAX_SAFE_INTEGER) =>
      (
        await pool.query<MessageRow>(
          `SELECT ${COLUMNS} FROM messages WHERE device_id = $1 AND recipient = $2 AND created_at < $3
           ORDER BY created_at DESC, seq DESC LIMIT $4`,
          [deviceId, recipient, before, limit],
        )
      ).rows.map(toRecord),
  }
}
