import type { PgPool } from './pool.js'
import type { DashboardSessionRepository } from '../ports.js'

export function createPostgresDashboardSessionRepository(pool: PgPool): DashboardSessionRepository {
  return {
    create: async (record) => {
      await pool.query('INSERT INTO dashboard_sessions (token_hash, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
        record.tokenHash,
        record.csrfToken,
        Date.now(),
        record.expiresAt,
      ])
    },
    find: async (tokenHash, now) => {
      const { rows } = await pool.query<{ token_hash: string; csrf_token: string; expires_at: number }>(
        'SELECT token_hash, csrf_token, expires_at FROM dashboard_sessions WHERE token_hash = $1 AND expires_at > $2',
        [tokenHash, now],
      )
      const row = rows[0]
      return row && { tokenHash: row.token_hash, csrfToken: row.csrf_token, expiresAt: row.expires_at }
    },
    delete: async (tokenHash) => {
      await pool.query('DELETE FROM dashboard_sessions WHERE token_hash = $1', [tokenHash])
    },
    deleteExpired: async (now) => (await pool.query('DELETE FROM dashboard_sessions WHERE expires_at <= $1', [now])).rowCount ?? 0,
  }
}
