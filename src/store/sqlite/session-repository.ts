import { setImmediate as nextTurn } from 'node:timers/promises'
import type { SqliteDatabase } from './database.js'
import { DELETE_CHUNK_ROWS } from './oldest-first-delete.js'
import type { SessionRepository } from '../ports.js'
import { type SessionRow, toSessionRecord as toRecord } from '../rows.js'

/**
 * The tables that can hold a session's history by the hundred thousand rows. They are emptied a
 * chunk at a time, with a turn of the event loop between chunks, before the session's row goes:
 * one cascade over 100,000 messages held the event loop, and with it every other session's
 * keep-alives and sends, for half a second. The auth state goes last, with the row, in one
 * statement: a delete cut short (a crash) leaves the session stopped, without its history, never
 * with half its keys.
 */
const HISTORY_TABLES = ['messages', 'inbound_messages', 'message_marks', 'chats', 'contacts', 'chat_labels', 'kept_media'] as const

export function createSqliteSessionRepository(db: SqliteDatabase): SessionRepository {
  const insert = db.prepare(
    `INSERT INTO sessions (device_id, desired_state, created_at, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (device_id) DO NOTHING`,
  )
  const selectOne = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE device_id = ?')
  const selectByKey = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE api_key_hash = ?')
  const selectAll = db.prepare<[], SessionRow>('SELECT * FROM sessions ORDER BY created_at, device_id')
  const updateDesired = db.prepare('UPDATE sessions SET desired_state = ?, updated_at = ? WHERE device_id = ?')
  const updateKey = db.prepare(
    'UPDATE sessions SET api_key_hash = ?, api_key_prefix = ?, updated_at = ? WHERE device_id = ?',
  )
  const updateAccount = db.prepare(
    'UPDATE sessions SET phone_number = ?, push_name = ?, updated_at = ? WHERE device_id = ?',
  )
  const updateSendRate = db.prepare('UPDATE sessions SET send_rate_per_minute = ?, updated_at = ? WHERE device_id = ?')
  const updateCallRejection = db.prepare(
    `UPDATE sessions SET reject_calls = COALESCE(?, reject_calls), reject_call_message = CASE WHEN ? THEN ? ELSE reject_call_message END,
     updated_at = ? WHERE device_id = ?`,
  )
  const updateProxy = db.prepare('UPDATE sessions SET proxy_url = ?, updated_at = ? WHERE device_id = ?')
  const selectBehaviour = db.prepare<[string], { behaviour: string }>('SELECT behaviour FROM sessions WHERE device_id = ?')
  const updateBehaviour = db.prepare('UPDATE sessions SET behaviour = ?, updated_at = ? WHERE device_id = ?')
  const remove = db.prepare('DELETE FROM sessions WHERE device_id = ?')
  const historyChunks = HISTORY_TABLES.map((table) => db.prepare(`DELETE FROM ${table} WHERE device_id = ? LIMIT ${DELETE_CHUNK_ROWS}`))
  const deleteHistory = async (deviceId: string): Promise<void> => {
    for (const chunk of historyChunks) {
      while (chunk.run(deviceId).changes === DELETE_CHUNK_ROWS) await nextTurn()
    }
  }

  return {
    create: async (deviceId, desiredState) => {
      const now = Date.now()
      return insert.run(deviceId, desiredState, now, now).changes === 1
    },
    get: async (deviceId) => {
      const row = selectOne.get(deviceId)
      return row && toRecord(row)
    },
    findByApiKeyHash: async (hash) => {
      const row = selectByKey.get(hash)
      return row && toRecord(row)
    },
    list: async () => selectAll.all().map(toRecord),
    setDesiredState: async (deviceId, desiredState) => void updateDesired.run(desiredState, Date.now(), deviceId),
    setApiKey: async (deviceId, hash, prefix) => void updateKey.run(hash, prefix, Date.now(), deviceId),
    setAccount: async (deviceId, phoneNumber, pushName) =>
      void updateAccount.run(phoneNumber, pushName, Date.now(), deviceId),
    setSendRate: async (deviceId, perMinute) => void updateSendRate.run(perMinute, Date.now(), deviceId),
    setCallRejection: async (deviceId, { reject, message }) =>
      void updateCallRejection.run(reject === undefined ? null : Number(reject), message === undefined ? 0 : 1, message ?? null, Date.now(), deviceId),
    setProxy: async (deviceId, proxyUrl) => void updateProxy.run(proxyUrl, Date.now(), deviceId),
    // Read and written in one synchronous step: nothing else runs on this connection in between.
    setBehaviour: async (deviceId, change) => {
      const row = selectBehaviour.get(deviceId)
      if (!row) return
      const behaviour = JSON.parse(row.behaviour) as Record<string, unknown>
      for (const [field, value] of Object.entries(change)) {
        if (value === null) delete behaviour[field]
        else if (value !== undefined) behaviour[field] = value
      }
      updateBehaviour.run(JSON.stringify(behaviour), Date.now(), deviceId)
    },
    delete: async (deviceId) => {
      await deleteHistory(deviceId)
      return remove.run(deviceId).changes === 1
    },
  }
}
