import type { SqliteDatabase } from './database.js'
import type { SettingsRepository } from '../ports.js'

export function createSqliteSettingsRepository(db: SqliteDatabase): SettingsRepository {
  const select = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE name = ?')
  const upsert = db.prepare(
    'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
  )
  return {
    get: async (name) => select.get(name)?.value,
    set: async (name, value) => void upsert.run(name, value),
  }
}
