import type { PgPool } from './pool.js'
import type { SessionRepository } from '../ports.js'
import { type SessionRow, toSessionRecord as toRecord } from '../rows.js'

export function createPostgresSessionRepository(pool: PgPool): SessionRepository {
  const update = async (sql: string, values: unknown[]): Promise<void> => {
    await pool.query(sql, values)
  }
  return {
    create: async (deviceId, desiredState) => {
      const now = Date.now()
      const result = await pool.query(
        `INSERT INTO sessions (device_id, desired_state, created_at, updated_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (device_id) DO NOTHING`,
        [deviceId, desiredState, now],
      )
      return result.rowCount === 1
    },
    get: async (deviceId) => {
      const { rows } = await pool.query<SessionRow>('SELECT * FROM sessions WHERE device_id = $1', [deviceId])
      return rows[0] && toRecord(rows[0])
    },
    findByApiKeyHash: async (hash) => {
      const { rows } = await pool.query<SessionRow>('SELECT * FROM sessions WHERE api_key_hash = $1', [hash])
      return rows[0] && toRecord(rows[0])
    },
    list: async () => (await pool.query<SessionRow>('SELECT * FROM sessions ORDER BY created_at, device_id')).rows.map(toRecord),
    setDesiredState: (deviceId, desiredState) =>
      update('UPDATE sessions SET desired_state = $1, updated_at = $2 WHERE device_id = $3', [desiredState, Date.now(), deviceId]),
    setApiKey: (deviceId, hash, prefix) =>
      update('UPDATE sessions SET api_key_hash = $1, api_key_prefix = $2, updated_at = $3 WHERE device_id = $4', [hash, prefix, Date.now(), deviceId]),
    setAccount: (deviceId, phoneNumber, pushName) =>
      update('UPDATE sessions SET phone_number = $1, push_name = $2, updated_at = $3 WHERE device_id = $4', [phoneNumber, pushName, Date.now(), deviceId]),
    setSendRate: (deviceId, perMinute) =>
      update('UPDATE sessions SET send_rate_per_minute = $1, updated_at = $2 WHERE device_id = $3', [perMinute, Date.now(), deviceId]),
    setCallRejection: (deviceId, { reject, message }) =>
      update(
        `UPDATE sessions SET reject_calls = COALESCE($1::boolean, reject_calls),
         reject_call_message = CASE WHEN $2::boolean THEN $3::text ELSE reject_call_message END, updated_at = $4 WHERE device_id = $5`,
        [reject ?? null, message !== undefined, message ?? null, Date.now(), deviceId],
      ),
    setProxy: (deviceId, proxyUrl) =>
      update('UPDATE sessions SET proxy_url = $1, updated_at = $2 WHERE device_id = $3', [proxyUrl, Date.now(), deviceId]),
    setBehaviour: (deviceId, change) => {
      const entries = Object.entries(change).filter(([, value]) => value !== undefined)
      const set = Object.fromEntries(entries.filter(([, value]) => value !== null))
      const removed = entries.filter(([, value]) => value === null).map(([field]) => field)
      // || merges top-level fields only: a new metadata object replaces the old one whole.
      return update('UPDATE sessions SET behaviour = (behaviour || $1::jsonb) - $2::text[], updated_at = $3 WHERE device_id = $4', [
        JSON.stringify(set), removed, Date.now(), deviceId,
      ])
    },
    delete: async (deviceId) => (await pool.query('DELETE FROM sessions WHERE device_id = $1', [deviceId])).rowCount === 1,
  }
}
