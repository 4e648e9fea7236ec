import type { SqliteDatabase } from './database.js'
import type { SessionRepository } from '../ports.js'
import { type SessionRow, toSessionRecord as toRecord } from '../rows.js'

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
    delete: async (deviceId) => remove.run(deviceId).changes === 1,
  }
}
