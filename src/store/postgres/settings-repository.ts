import type { PgPool } from './pool.js'
import type { SettingsRepository } from '../ports.js'

export function createPostgresSettingsRepository(pool: PgPool): SettingsRepository {
  return {
    get: async (name) => (await pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [name])).rows[0]?.value,
    set: async (name, value) => {
      await pool.query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [name, value])
    },
  }
}
