import type { SqliteDatabase } from './database.js'
import type { ChatRepository } from '../ports.js'
import { CHAT_COLUMNS, type ChatListingRow, type ChatChangeParams, type ChatRow, chatChangeParams, flag, toChatListing, toChatState, toMarks } from '../rows.js'

export function createSqliteChatRepository(db: SqliteDatabase): ChatRepository {
  // A null parameter leaves the stored value.
  const upsert = db.prepare<[ChatChangeParams & { device: string; jid: string; now: number }]>(
    `INSERT INTO chats (device_id, jid, updated_at, name, archived, pinned_at, muted_until, marked_unread, last_activity, cleared_at)
     VALUES (@device, @jid, @now, @name, COALESCE(@archived, 0), COALESCE(@pinnedAt, 0), COALESCE(@mutedUntil, 0),
       COALESCE(@markedUnread, 0), COALESCE(@lastActivity, 0), COALESCE(@clearedAt, 0))
     ON CONFLICT (device_id, jid) DO UPDATE SET updated_at = @now, name = COALESCE(@name, name), archived = COALESCE(@archived, archived),
       pinned_at = COALESCE(@pinnedAt, pinned_at), muted_until = COALESCE(@mutedUntil, muted_until),
       marked_unread = COALESCE(@markedUnread, marked_unread), last_activity = MAX(last_activity, COALESCE(@lastActivity, 0)),
       cleared_at = MAX(cleared_at, COALESCE(@clearedAt, 0))`,
  )
  const fromHistory = db.prepare<[ChatChangeParams & { device: string; jid: string; now: number }]>(
    `INSERT INTO chats (device_id, jid, updated_at, name, archived, pinned_at, muted_until, marked_unread, last_activity, cleared_at)
     VALUES (@device, @jid, @now, @name, COALESCE(@archived, 0), COALESCE(@pinnedAt, 0), COALESCE(@mutedUntil, 0),
       COALESCE(@markedUnread, 0), COALESCE(@lastActivity, 0), COALESCE(@clearedAt, 0))
     ON CONFLICT (device_id, jid) DO UPDATE SET updated_at = @now, name = COALESCE(@name, name),
       last_activity = MAX(last_activity, COALESCE(@lastActivity, 0))`,
  )
  const one = db.prepare<[string, string], ChatRow>(`SELECT ${CHAT_COLUMNS} FROM chats WHERE device_id = ? AND jid = ?`)
  // Every chat with a message on either side or a row of its own, with its newest activity.
  const list = db.prepare<{ device: string; limit: number }, ChatListingRow>(
    `WITH activity (jid, at) AS (
       SELECT chat, MAX(timestamp) FROM inbound_messages WHERE device_id = @device GROUP BY chat
       UNION ALL SELECT recipient, MAX(created_at) FROM messages WHERE device_id = @device GROUP BY recipient
       UNION ALL SELECT jid, last_activity FROM chats WHERE device_id = @device
     ), latest (jid, at) AS (SELECT jid, MAX(at) FROM activity GROUP BY jid)
     SELECT latest.jid AS jid, c.name AS name, COALESCE(c.archived, 0) AS archived, COALESCE(c.pinned_at, 0) AS pinned_at,
       COALESCE(c.muted_until, 0) AS muted_until, COALESCE(c.marked_unread, 0) AS marked_unread, COALESCE(c.cleared_at, 0) AS cleared_at,
       latest.at AS last_activity, p.name AS contact_name, p.push_name AS push_name,
       (SELECT COUNT(*) FROM inbound_messages i WHERE i.device_id = @device AND i.chat = latest.jid AND i.read_at IS NULL AND i.from_me = 0) AS unread
     FROM latest
     LEFT JOIN chats c ON c.device_id = @device AND c.jid = latest.jid
     LEFT JOIN contacts p ON p.device_id = @device AND p.jid = latest.jid
     -- A chat known only by its settings counts until it is deleted; status updates are no chat.
     WHERE (latest.at > COALESCE(c.cleared_at, 0) OR (c.jid IS NOT NULL AND c.cleared_at = 0)) AND latest.jid <> 'status@broadcast'
     ORDER BY COALESCE(c.pinned_at, 0) DESC, latest.at DESC
     LIMIT @limit`,
  )
  const mark = db.prepare<[{ device: string; id: string; starred: number | null; hidden: number | null; now: number }]>(
    `INSERT INTO message_marks (device_id, message_id, starred, hidden, updated_at)
     VALUES (@device, @id, COALESCE(@starred, 0), COALESCE(@hidden, 0), @now)
     ON CONFLICT (device_id, message_id) DO UPDATE SET starred = COALESCE(@starred, starred), hidden = COALESCE(@hidden, hidden), updated_at = @now`,
  )
  const marks = db.prepare<[string, string], { message_id: string; starred: number; hidden: number }>(
    'SELECT message_id, starred, hidden FROM message_marks WHERE device_id = ? AND message_id IN (SELECT value FROM json_each(?))',
  )
  const dropReceived = db.prepare('DELETE FROM inbound_messages WHERE device_id = ? AND chat = ? AND timestamp <= ?')
  const updateAll = db.transaction((deviceId: string, changes: Parameters<ChatRepository['update']>[1]) => {
    const now = Date.now()
    for (const { jid, change } of changes) upsert.run({ device: deviceId, jid, now, ...chatChangeParams(change) })
  })
  const historyAll = db.transaction((deviceId: string, chats: Parameters<ChatRepository['recordHistory']>[1]) => {
    const now = Date.now()
    for (const { jid, change } of chats) fromHistory.run({ device: deviceId, jid, now, ...chatChangeParams(change) })
  })
  const clear = db.transaction((deviceId: string, jid: string, at: number) => {
    upsert.run({ device: deviceId, jid, now: Date.now(), ...chatChangeParams({ clearedAt: at }) })
    dropReceived.run(deviceId, jid, at)
  })

  return {
    update: async (deviceId, changes) => void updateAll(deviceId, changes),
    recordHistory: async (deviceId, chats) => void historyAll(deviceId, chats),
    get: async (deviceId, jid) => {
      const row = one.get(deviceId, jid)
      return row && toChatState(row)
    },
    list: async (deviceId, limit) => list.all({ device: deviceId, limit }).map(toChatListing),
    clear: async (deviceId, jid, at) => void clear(deviceId, jid, at),
    markMessage: async (deviceId, id, { starred, hidden }) =>
      void mark.run({ device: deviceId, id, starred: flag(starred), hidden: flag(hidden), now: Date.now() }),
    messageMarks: async (deviceId, ids) => toMarks(marks.all(deviceId, JSON.stringify(ids))),
  }
}
