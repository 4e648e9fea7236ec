import type { SqliteDatabase } from './database.js'
import type { DesiredState, SessionRecord, SessionRepository } from './ports.js'

interface SessionRow {
  device_id: string
  desired_state: DesiredState
  send_rate_per_minute: number | null
  api_key_hash: string | null
  api_key_prefix: string | null
  phone_number: string | null
  push_name: string | null
  created_at: number
  updated_at: number
}

function toRecord(row: SessionRow): SessionRecord {
  return {
    deviceId: row.device_id,
    desiredState: row.desired_state,
    sendRatePerMinute: row.send_rate_per_minute,
    apiKeyHash: row.api_key_hash,
    apiKeyPrefix: row.api_key_prefix,
    phoneNumber: row.phone_number,
    pushName: row.push_name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export function createSqliteSessionRepository(db: SqliteDatabase): SessionRepository {
  const insert = db.prepare(
    `INSERT INTO sessions (device_id, desired_state, created_at, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (device_id) DO NOTHING`,
  )
  const selectOne = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE device_id = ?')
  const selectAll = db.prepare<[], SessionRow>('SELECT * FROM sessions ORDER BY created_at, device_id')
  const updateDesired = db.prepare('UPDATE sessions SET desired_state = ?, updated_at = ? WHERE device_id = ?')
  const updateKey = db.prepare(
    'UPDATE sessions SET api_key_hash = ?, api_key_prefix = ?, updated_at = ? WHERE device_id = ?',
  )
  const updateAccount = db.prepare(
    'UPDATE sessions SET phone_number = ?, push_name = ?, updated_at = ? WHERE device_id = ?',
  )
  const updateSendRate = db.prepare('UPDATE sessions SET send_rate_per_minute = ?, updated_at = ? WHERE device_id = ?')
  const remove = db.prepare('DELETE FROM sessions WHERE device_id = ?')

  return {
    create: (deviceId, desiredState) => {
      const now = Date.now()
      return insert.run(deviceId, desiredState, now, now).changes === 1
    },
    get: (deviceId) => {
      const row = selectOne.get(deviceId)
      return row && toRecord(row)
    },
    list: () => selectAll.all().map(toRecord),
    setDesiredState: (deviceId, desiredState) => void updateDesired.run(desiredState, Date.now(), deviceId),
    setApiKey: (deviceId, hash, prefix) => void updateKey.run(hash, prefix, Date.now(), deviceId),
    setAccount: (deviceId, phoneNumber, pushName) =>
      void updateAccount.run(phoneNumber, pushName, Date.now(), deviceId),
    setSendRate: (deviceId, perMinute) => void updateSendRate.run(perMinute, Date.now(), deviceId),
    delete: (deviceId) => remove.run(deviceId).changes === 1,
  }
}
