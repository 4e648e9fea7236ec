import type { PgPool } from './pool.js'
import type { SettingsRepository } from '../ports.js'

export function createPostgresSettingsRepository(pool: PgPool): SettingsRepository {
  return {
    get: async (name) => (await pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [name])).rows[0]?.value,
    setIfAbsent: async (name, value) => {
      await pool.query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, value])
      return (await pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [name])).rows[0]!.value
    },
  }
}
