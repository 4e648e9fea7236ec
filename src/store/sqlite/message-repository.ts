import { statementPerCount, type SqliteDatabase } from './database.js'
import type { GroupCommit } from './group-commit.js'
import type { MessageRecord, MessageRepository, NewMessage } from '../ports.js'
import { MESSAGE_COLUMNS as COLUMNS, type MessageRow, toMessageRecord as toRecord } from '../rows.js'

/**
 * Writes go through `groupCommit`, so a burst of sends, acks and receipts commits once; a read first
 * commits what is pending, so it sees every write asked for before it.
 */
export function createSqliteMessageRepository(db: SqliteDatabase, groupCommit: GroupCommit): MessageRepository {
  const commit = <T>(write: () => T): Promise<T> => groupCommit.run(write)
  const commitStatement = <T>(write: () => T): Promise<T> => groupCommit.runAtomic(write)
  const read = async <T>(query: () => T): Promise<T> => {
    groupCommit.flush()
    return query()
  }
  const insert = db.prepare<[NewMessage & { now: number }], MessageRow>(
    `INSERT INTO messages (id, device_id, recipient, type, content, media, status, idempotency_key, created_at, updated_at)
     VALUES (@id, @deviceId, @recipient, @type, @content, @media, @status, @idempotencyKey, @now, @now)
     ON CONFLICT (device_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING ${COLUMNS}`,
  )
  const byId = db.prepare<[string], MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE id = ?`)
  const byIdempotencyKey = db.prepare<[string, string], MessageRow>(
    `SELECT ${COLUMNS} FROM messages WHERE device_id = ? AND idempotency_key = ?`,
  )
  const mediaOf = db.prepare<[string], { media: Buffer | null }>('SELECT media FROM messages WHERE id = ?')
  const queued = db.prepare<[string, number], MessageRow>(
    `SELECT ${COLUMNS} FROM messages WHERE device_id = ? AND status = 'queued' ORDER BY seq LIMIT ?`,
  )
  // With the bytes sent (given twice), they are stored and the media kept for sending goes, as in markWritten.
  const transitionFrom = statementPerCount<[string, string | null, number, Buffer | null, Buffer | null, string, ...string[]], MessageRow>(
    db,
    (placeholders) => `UPDATE messages SET status = ?, error = ?, updated_at = ?, wa_message = COALESCE(?, wa_message),
         media = CASE WHEN ? IS NULL THEN media END
         WHERE id = ? AND status IN (${placeholders}) RETURNING ${COLUMNS}`,
  )
  const written = db.prepare<[Buffer, number, string], MessageRow>(
    `UPDATE messages SET wa_message = ?, media = NULL, updated_at = ?, status = CASE status WHEN 'queued' THEN 'sending' ELSE status END
     WHERE id = ? RETURNING ${COLUMNS}`,
  )
  const waMessageOf = db.prepare<[string, string], { wa_message: Buffer | null }>(
    'SELECT wa_message FROM messages WHERE device_id = ? AND id = ?',
  )
  const sendingAll = db.prepare<[], { id: string }>(`SELECT id FROM messages WHERE status = 'sending'`)
  const sendingOf = db.prepare<[string], { id: string }>(`SELECT id FROM messages WHERE device_id = ? AND status = 'sending'`)
  const requeueAll = db.prepare(`UPDATE messages SET status = 'queued', updated_at = ? WHERE status = 'sending'`)
  const requeueOf = db.prepare(`UPDATE messages SET status = 'queued', updated_at = ? WHERE device_id = ? AND status = 'sending'`)
  const byRecipient = db.prepare<[string, string, number, number], MessageRow>(
    `SELECT ${COLUMNS} FROM messages WHERE device_id = ? AND recipient = ? AND created_at < ?
     ORDER BY created_at DESC, seq DESC LIMIT ?`,
  )
  const devicesQueued = db.prepare<[], { device_id: string }>(
    `SELECT DISTINCT device_id FROM messages WHERE status = 'queued'`,
  )

  // One statement on the hot path; a conflict (same idempotency key) returns no row, and the writer
  // that got there first wrote before this statement ran, in this transaction or an earlier one.
  const insertOrGet = (message: NewMessage): { record: MessageRecord; created: boolean } => {
    const inserted = insert.get({ ...message, now: Date.now() })
    if (inserted) return { record: toRecord(inserted), created: true }
    return { record: toRecord(byIdempotencyKey.get(message.deviceId, message.idempotencyKey!)!), created: false }
  }
  const requeue = db.transaction((deviceId?: string) => {
    const ids = (deviceId === undefined ? sendingAll.all() : sendingOf.all(deviceId)).map((row) => row.id)
    if (deviceId === undefined) requeueAll.run(Date.now())
    else requeueOf.run(Date.now(), deviceId)
    return ids
  })

  return {
    insertOrGetExisting: (message) => commitStatement(() => insertOrGet(message)),
    get: (id) => read(() => {
      const row = byId.get(id)
      return row && toRecord(row)
    }),
    media: (id) => read(() => mediaOf.get(id)?.media ?? undefined),
    nextQueued: (deviceId, limit) => read(() => queued.all(deviceId, limit).map(toRecord)),
    transition: async (id, status, error, allowedFrom, waMessage) => {
      if (allowedFrom.length === 0) return undefined
      const bytes = waMessage === undefined ? null : Buffer.from(waMessage)
      const row = await commitStatement(() => transitionFrom(allowedFrom.length).get(status, error, Date.now(), bytes, bytes, id, ...allowedFrom))
      return row && toRecord(row)
    },
    markWritten: async (id, waMessage) => {
      const row = await commitStatement(() => written.get(Buffer.from(waMessage), Date.now(), id))
      return row && toRecord(row)
    },
    waMessage: (deviceId, id) => read(() => waMessageOf.get(deviceId, id)?.wa_message ?? undefined),
    requeueSending: (deviceId) => commit(() => requeue(deviceId)),
    devicesWithQueued: () => read(() => devicesQueued.all().map((row) => row.device_id)),
    listByRecipient: (deviceId, recipient, limit, before = Number.MAX_SAFE_INTEGER) =>
      read(() => byRecipient.all(deviceId, recipient, before, limit).map(toRecord)),
  }
}
