import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { migrate } from './migrations.js'

export type SqliteDatabase = Database.Database

/** Opens (creating if needed) the SQLite file under dataDir, in WAL mode, with the schema migrated. */
export function openDatabase(dataDir: string, fileName = 'whatsapp-api.db'): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true })
  const db = new Database(join(dataDir, fileName))
  db.pragma('journal_mode = WAL')
  // NORMAL in WAL mode is durable across process crashes (kill -9); only an OS crash can lose the last commits.
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrate(db)
  return db
}

/**
 * Statements whose SQL differs only in how many `?` an IN list holds, each prepared once and kept:
 * preparing one per call compiles the SQL again and leaves a native object for the collector.
 */
export function statementPerCount<P extends unknown[], R>(
  db: SqliteDatabase,
  sql: (placeholders: string) => string,
): (count: number) => Database.Statement<P, R> {
  const statements = new Map<number, Database.Statement<P, R>>()
  return (count) => {
    let statement = statements.get(count)
    if (!statement) {
      statement = db.prepare<P, R>(sql(Array.from({ length: count }, () => '?').join(',')))
      statements.set(count, statement)
    }
    return statement
  }
}
