import type { SqliteDatabase } from './database.js'
import type { SettingsRepository } from '../ports.js'

export function createSqliteSettingsRepository(db: SqliteDatabase): SettingsRepository {
  const select = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE name = ?')
  const insert = db.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING')
  return {
    get: async (name) => select.get(name)?.value,
    setIfAbsent: async (name, value) => {
      insert.run(name, value)
      return select.get(name)!.value
    },
  }
}
