import { accessSync, constants, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { ConfigError } from '../../config.js'
import { migrate } from './migrations.js'

export type SqliteDatabase = Database.Database

/** A DATA_DIR the server cannot write (a read-only mount, wrong owner) stops the start with one clear line. */
function checkWritable(dataDir: string, file: string): void {
  try {
    mkdirSync(dataDir, { recursive: true })
    accessSync(dataDir, constants.W_OK)
    if (existsSync(file)) accessSync(file, constants.R_OK | constants.W_OK)
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new ConfigError('DATA_DIR', `a directory this process can write, its database file readable and writable (${reason})`, dataDir)
  }
}

/** Opens (creating if needed) the SQLite file under dataDir, in WAL mode, with the schema migrated. */
export function openDatabase(dataDir: string, fileName = 'whatsapp-api.db'): SqliteDatabase {
  const file = join(dataDir, fileName)
  checkWritable(dataDir, file)
  const db = new Database(file)
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
