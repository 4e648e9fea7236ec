import type { SqliteDatabase } from './database.js'
import type { InboundMessageRepository, NewDelivery } from '../ports.js'
import { deliveryInserter } from './delivery-repository.js'
import type { GroupCommit } from './group-commit.js'
import { deleteOldestFirst } from './oldest-first-delete.js'
import { INBOUND_COLUMNS as COLUMNS, type InboundRow, toInboundRecord as toRecord } from '../rows.js'

/** A received message and its event's deliveries go through `groupCommit`: messages arriving together on several sessions commit once. */
export function createSqliteInboundRepository(db: SqliteDatabase, groupCommit: GroupCommit): InboundMessageRepository {
  // A row an earlier version stored without queueing its event (announced = 0) is announced now: the update counts as a change.
  const insertRow = db.prepare(
    `INSERT INTO inbound_messages (device_id, id, chat, type, payload, raw, timestamp, created_at, from_me, status, announced)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (device_id, id) DO UPDATE SET announced = 1 WHERE announced = 0`,
  )
  const queue = deliveryInserter(db)
  const insert = db.transaction((record: Parameters<InboundMessageRepository['insert']>[0], raw: Uint8Array | null, deliveries: readonly NewDelivery[]) => {
    const stored = insertRow.run(record.deviceId, record.id, record.chat, record.type, record.payload, raw && Buffer.from(raw), record.timestamp, Date.now(),
      record.fromMe ? 1 : 0, record.fromMe ? 'sent' : null).changes === 1
    if (stored) queue(deliveries)
    return stored
  })
  const insertFull = db.prepare(
    `INSERT INTO inbound_messages (device_id, id, chat, type, payload, raw, timestamp, created_at, from_me, status, read_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, id) DO NOTHING`,
  )
  const insertHistory = db.transaction((deviceId: string, messages: Parameters<InboundMessageRepository['insertHistory']>[1]) => {
    const now = Date.now()
    let stored = 0
    for (const { record, raw } of messages) {
      stored += insertFull.run(deviceId, record.id, record.chat, record.type, record.payload, raw && Buffer.from(raw), record.timestamp, now,
        record.fromMe ? 1 : 0, record.status, record.readAt).changes
    }
    return stored
  })
  const one = db.prepare<[string, string], InboundRow>(`SELECT ${COLUMNS} FROM inbound_messages WHERE device_id = ? AND id = ?`)
  const rawOf = db.prepare<[string, string], { raw: Buffer | null }>('SELECT raw FROM inbound_messages WHERE device_id = ? AND id = ?')
  const byChat = db.prepare<[string, string, number, number], InboundRow>(
    `SELECT ${COLUMNS} FROM inbound_messages WHERE device_id = ? AND chat = ? AND timestamp < ?
     ORDER BY timestamp DESC, seq DESC LIMIT ?`,
  )
  // Id lists travel as one JSON array: one statement whatever their number.
  const many = db.prepare<[string, string], InboundRow>(
    `SELECT ${COLUMNS} FROM inbound_messages WHERE device_id = ? AND id IN (SELECT value FROM json_each(?))`,
  )
  const unread = db.prepare<[string, string, number], InboundRow>(
    `SELECT ${COLUMNS} FROM inbound_messages WHERE device_id = ? AND chat = ? AND read_at IS NULL AND from_me = 0
     ORDER BY timestamp, seq LIMIT ?`,
  )
  const advance = db.prepare<[string, string, string, string], InboundRow>(
    `UPDATE inbound_messages SET status = ? WHERE device_id = ? AND id = ? AND from_me = 1
       AND status IN (SELECT value FROM json_each(?)) RETURNING ${COLUMNS}`,
  )
  const markRead = db.prepare<[number, string, string]>(
    `UPDATE inbound_messages SET read_at = ? WHERE device_id = ? AND id IN (SELECT value FROM json_each(?)) AND read_at IS NULL`,
  )
  const setRaw = db.prepare('UPDATE inbound_messages SET raw = ? WHERE device_id = ? AND id = ?')
  const prune = deleteOldestFirst(db, 'inbound_messages')

  return {
    insert: (record, raw, deliveries = []) => groupCommit.runAtomic(() => insert(record, raw, deliveries)),
    insertHistory: async (deviceId, messages) => insertHistory(deviceId, messages),
    get: async (deviceId, id) => {
      const row = one.get(deviceId, id)
      return row && toRecord(row)
    },
    getMany: async (deviceId, ids) => many.all(deviceId, JSON.stringify(ids)).map(toRecord),
    unread: async (deviceId, chat, limit) => unread.all(deviceId, chat, limit).map(toRecord),
    markRead: async (deviceId, ids, at) => void markRead.run(at, deviceId, JSON.stringify(ids)),
    // all(), not get(): the statement must run to its end, where a failed commit is reported.
    advanceStatus: async (deviceId, id, status, allowedFrom) => {
      const [row] = advance.all(status, deviceId, id, JSON.stringify(allowedFrom))
      return row && toRecord(row)
    },
    raw: async (deviceId, id) => rawOf.get(deviceId, id)?.raw ?? undefined,
    updateRaw: async (deviceId, id, raw) => void setRaw.run(Buffer.from(raw), deviceId, id),
    listByChat: async (deviceId, chat, limit, before = Number.MAX_SAFE_INTEGER) =>
      byChat.all(deviceId, chat, before, limit).map(toRecord),
    deleteOlderThan: (createdBefore) => prune(createdBefore),
  }
}
