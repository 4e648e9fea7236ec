import { inTransaction, type PgClient, type PgPool } from './pool.js'
import type { ChatChange, ChatRepository } from '../ports.js'
import { CHAT_COLUMNS, type ChatListingRow, type ChatRow, chatChangeParams, flag, type MarkRow, toChatListing, toChatState, toMarks } from '../rows.js'

// A null parameter leaves the stored value.
const UPSERT = `
  INSERT INTO chats (device_id, jid, updated_at, name, archived, pinned_at, muted_until, marked_unread, last_activity, cleared_at)
  VALUES ($1, $2, $3, $4, COALESCE($5::int::boolean, FALSE), COALESCE($6::bigint, 0), COALESCE($7::bigint, 0),
    COALESCE($8::int::boolean, FALSE), COALESCE($9::bigint, 0), COALESCE($10::bigint, 0))
  ON CONFLICT (device_id, jid) DO UPDATE SET updated_at = $3, name = COALESCE($4, chats.name),
    archived = COALESCE($5::int::boolean, chats.archived), pinned_at = COALESCE($6::bigint, chats.pinned_at),
    muted_until = COALESCE($7::bigint, chats.muted_until), marked_unread = COALESCE($8::int::boolean, chats.marked_unread),
    last_activity = GREATEST(chats.last_activity, COALESCE($9::bigint, 0)), cleared_at = GREATEST(chats.cleared_at, COALESCE($10::bigint, 0))`

// From history: a chat already known keeps its settings.
const FROM_HISTORY = `${UPSERT.slice(0, UPSERT.indexOf('ON CONFLICT'))}
  ON CONFLICT (device_id, jid) DO UPDATE SET updated_at = $3, name = COALESCE($4, chats.name),
    last_activity = GREATEST(chats.last_activity, COALESCE($9::bigint, 0))`

async function upsert(client: PgClient | PgPool, deviceId: string, jid: string, change: ChatChange, sql = UPSERT): Promise<void> {
  const p = chatChangeParams(change)
  await client.query(sql, [deviceId, jid, Date.now(), p.name, p.archived, p.pinnedAt, p.mutedUntil, p.markedUnread, p.lastActivity, p.clearedAt])
}

export function createPostgresChatRepository(pool: PgPool): ChatRepository {
  return {
    update: async (deviceId, changes) =>
      inTransaction(pool, async (client) => {
        for (const { jid, change } of changes) await upsert(client, deviceId, jid, change)
      }),
    recordHistory: async (deviceId, chats) =>
      inTransaction(pool, async (client) => {
        for (const { jid, change } of chats) await upsert(client, deviceId, jid, change, FROM_HISTORY)
      }),
    get: async (deviceId, jid) => {
      const { rows } = await pool.query<ChatRow>(`SELECT ${CHAT_COLUMNS} FROM chats WHERE device_id = $1 AND jid = $2`, [deviceId, jid])
      return rows[0] && toChatState(rows[0])
    },
    // Every chat with a message on either side or a row of its own, with its newest activity.
    list: async (deviceId, limit) =>
      (
        await pool.query<ChatListingRow>(
          `WITH activity (jid, at) AS (
             SELECT chat, MAX(timestamp) FROM inbound_messages WHERE device_id = $1 GROUP BY chat
             UNION ALL SELECT recipient, MAX(created_at) FROM messages WHERE device_id = $1 GROUP BY recipient
             UNION ALL SELECT jid, last_activity FROM chats WHERE device_id = $1
           ), latest (jid, at) AS (SELECT jid, MAX(at) FROM activity GROUP BY jid)
           SELECT latest.jid AS jid, c.name AS name, COALESCE(c.archived, FALSE) AS archived, COALESCE(c.pinned_at, 0) AS pinned_at,
             COALESCE(c.muted_until, 0) AS muted_until, COALESCE(c.marked_unread, FALSE) AS marked_unread, COALESCE(c.cleared_at, 0) AS cleared_at,
             latest.at AS last_activity, p.name AS contact_name, p.push_name AS push_name,
             (SELECT COUNT(*)::int FROM inbound_messages i WHERE i.device_id = $1 AND i.chat = latest.jid AND i.read_at IS NULL AND NOT i.from_me) AS unread
           FROM latest
           LEFT JOIN chats c ON c.device_id = $1 AND c.jid = latest.jid
           LEFT JOIN contacts p ON p.device_id = $1 AND p.jid = latest.jid
           -- A chat known only by its settings counts until it is deleted; status updates are no chat.
           WHERE (latest.at > COALESCE(c.cleared_at, 0) OR (c.jid IS NOT NULL AND c.cleared_at = 0)) AND latest.jid <> 'status@broadcast'
           ORDER BY COALESCE(c.pinned_at, 0) DESC, latest.at DESC
           LIMIT $2`,
          [deviceId, limit],
        )
      ).rows.map(toChatListing),
    markMessage: async (deviceId, id, { starred, hidden }) => {
      await pool.query(
        `INSERT INTO message_marks (device_id, message_id, starred, hidden, updated_at)
         VALUES ($1, $2, COALESCE($3::int::boolean, FALSE), COALESCE($4::int::boolean, FALSE), $5)
         ON CONFLICT (device_id, message_id) DO UPDATE SET starred = COALESCE($3::int::boolean, message_marks.starred),
           hidden = COALESCE($4::int::boolean, message_marks.hidden), updated_at = $5`,
        [deviceId, id, flag(starred), flag(hidden), Date.now()],
      )
    },
    messageMarks: async (deviceId, ids) =>
      toMarks((await pool.query<MarkRow>('SELECT message_id, starred, hidden FROM message_marks WHERE device_id = $1 AND message_id = ANY($2)', [deviceId, ids])).rows),
    clear: async (deviceId, jid, at) =>
      inTransaction(pool, async (client) => {
        await upsert(client, deviceId, jid, { clearedAt: at })
        await client.query('DELETE FROM inbound_messages WHERE device_id = $1 AND chat = $2 AND timestamp <= $3', [deviceId, jid, at])
      }),
  }
}
