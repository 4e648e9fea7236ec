import type { SqliteDatabase } from './database.js'
import type { DashboardSessionRepository } from '../ports.js'

export function createSqliteDashboardSessionRepository(db: SqliteDatabase): DashboardSessionRepository {
  const insert = db.prepare('INSERT INTO dashboard_sessions (token_hash, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?)')
  const select = db.prepare<[string, number], { token_hash: string; csrf_token: string; expires_at: number }>(
    'SELECT token_hash, csrf_token, expires_at FROM dashboard_sessions WHERE token_hash = ? AND expires_at > ?',
  )
  const remove = db.prepare('DELETE FROM dashboard_sessions WHERE token_hash = ?')
  const removeExpired = db.prepare('DELETE FROM dashboard_sessions WHERE expires_at <= ?')
  return {
    create: async (record) => void insert.run(record.tokenHash, record.csrfToken, Date.now(), record.expiresAt),
    find: async (tokenHash, now) => {
      const row = select.get(tokenHash, now)
      return row && { tokenHash: row.token_hash, csrfToken: row.csrf_token, expiresAt: row.expires_at }
    },
    delete: async (tokenHash) => void remove.run(tokenHash),
    deleteExpired: async (now) => removeExpired.run(now).changes,
  }
}
