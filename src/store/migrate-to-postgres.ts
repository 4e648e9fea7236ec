import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { migrate } from './postgres/migrations.js'
import { createPool, inTransaction, type PgClient } from './postgres/pool.js'
import { SCHEMA_VERSION } from './sqlite/migrations.js'

/**
 * Moves a single node's data from its SQLite file into an empty PostgreSQL database, so that it
 * can grow into a cluster. Both schemas use the same table and column names, so rows are copied
 * column for column; BLOBs arrive as Buffers, which pg writes as BYTEA.
 */

/** Every table, parents before the tables whose foreign keys point at them. */
export const TABLES = [
  'settings',
  'sessions',
  'session_keys',
  'labels',
  'chat_labels',
  'label_syncs',
  'kept_media',
  'auth_creds',
  'auth_keys',
  'messages',
  'inbound_messages',
  'chats',
  'contacts',
  'message_marks',
  'webhooks',
  'webhook_deliveries',
  'dashboard_sessions',
] as const

export type TableName = (typeof TABLES)[number]
export type TableCounts = Record<TableName, number>

/** Tables whose seq is AUTOINCREMENT in SQLite and GENERATED ALWAYS AS IDENTITY in PostgreSQL. */
const WITH_SEQ: ReadonlySet<TableName> = new Set(['messages', 'inbound_messages', 'webhook_deliveries'])

/**
 * A batch goes out at this many rows or bytes, whichever comes first: memory stays bounded
 * however many auth keys there are, and however large the media of queued messages.
 */
const BATCH_ROWS = 500
const BATCH_BYTES = 16 * 1024 * 1024

/** The server's file name under DATA_DIR (see openDatabase). */
const SQLITE_FILE = 'whatsapp-api.db'

export type MigrateOptions = ({ sqlitePath: string } | { dataDir: string }) & {
  /** The target, a postgres:// URL; `options=-c search_path=...` picks the schema. */
  url: string
  /** Progress, one line per table. */
  log?: (message: string) => void
}

type Row = unknown[]

/** Copies every table in one PostgreSQL transaction and returns the row count of each. */
export async function migrateSqliteToPostgres(options: MigrateOptions): Promise<TableCounts> {
  const log = options.log ?? (() => {})
  const sqlite = openSource('sqlitePath' in options ? options.sqlitePath : join(options.dataDir, SQLITE_FILE))
  try {
    const pool = createPool(options.url, 1)
    try {
      await migrate(pool)
      return await inTransaction(pool, (client) => copyAll(sqlite, client, log))
    } finally {
      await pool.end()
    }
  } finally {
    sqlite.close()
  }
}

/** Opens the file read-only: it is never migrated or otherwise changed, so only its current schema is accepted. */
function openSource(path: string): Database.Database {
  if (!existsSync(path)) throw new Error(`No SQLite database at ${path}`)
  const db = new Database(path, { readonly: true, fileMustExist: true })
  const version = db.pragma('user_version', { simple: true }) as number
  if (version === SCHEMA_VERSION) return db
  db.close()
  const fix =
    version < SCHEMA_VERSION
      ? 'start this version of the server on it once to upgrade it, stop the server, then migrate'
      : 'use the version of this tool that matches the server that wrote it'
  throw new Error(`${path} has schema version ${version}, this tool reads version ${SCHEMA_VERSION}: ${fix}`)
}

async function copyAll(sqlite: Database.Database, client: PgClient, log: (message: string) => void): Promise<TableCounts> {
  // Writers elsewhere wait for the commit, so the target stays empty but for what is copied here.
  await client.query(`LOCK TABLE ${TABLES.join(', ')} IN EXCLUSIVE MODE`)
  await refuseUnlessEmpty(client)
  // One read transaction: every table comes from the same snapshot of the file.
  sqlite.exec('BEGIN')
  try {
    for (const table of TABLES) {
      log(`${table}: ${await copyTable(sqlite, client, table)} copied`)
      if (WITH_SEQ.has(table)) await continueSequence(sqlite, client, table)
    }
    return await verifyCounts(sqlite, client)
  } finally {
    sqlite.exec('COMMIT')
  }
}

async function refuseUnlessEmpty(client: PgClient): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    TABLES.map((table) => `SELECT '${table}' AS name WHERE EXISTS (SELECT 1 FROM ${table})`).join(' UNION ALL '),
  )
  if (rows.length === 0) return
  const tables = rows.map((row) => row.name).join(', ')
  throw new Error(`The PostgreSQL database already holds data (in ${tables}); point the migration at an empty database or schema`)
}

/** Streams the table out of SQLite in batches; returns how many rows it copied. */
async function copyTable(sqlite: Database.Database, client: PgClient, table: TableName): Promise<number> {
  const select = sqlite.prepare(`SELECT * FROM ${table}`).raw()
  const columns = select.columns().map((column) => column.name)
  let batch: Row[] = []
  let bytes = 0
  let copied = 0
  for (const row of select.iterate() as IterableIterator<Row>) {
    batch.push(row)
    bytes += sizeOf(row)
    if (batch.length < BATCH_ROWS && bytes < BATCH_BYTES) continue
    await insertBatch(client, table, columns, batch)
    copied += batch.length
    batch = []
    bytes = 0
  }
  if (batch.length > 0) await insertBatch(client, table, columns, batch)
  return copied + batch.length
}

function sizeOf(row: Row): number {
  return row.reduce<number>((total, value) => total + (Buffer.isBuffer(value) || typeof value === 'string' ? value.length : 8), 0)
}

/** One multi-row INSERT; seq values are kept (OVERRIDING SYSTEM VALUE) so references by seq stay valid. */
async function insertBatch(client: PgClient, table: TableName, columns: readonly string[], rows: readonly Row[]): Promise<void> {
  const tuples = rows.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`)
  const overriding = WITH_SEQ.has(table) ? ' OVERRIDING SYSTEM VALUE' : ''
  await client.query(`INSERT INTO ${table} (${columns.join(', ')})${overriding} VALUES ${tuples.join(', ')}`, rows.flat())
}

/**
 * Moves the identity sequence past the copied seqs, so new rows come after them. AUTOINCREMENT
 * never reuses a seq, not even a deleted row's; sqlite_sequence holds the highest ever handed out.
 */
async function continueSequence(sqlite: Database.Database, client: PgClient, table: TableName): Promise<void> {
  const used = (sqlite.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck().get(table) as number | undefined) ?? 0
  await client.query(
    `SELECT setval(pg_get_serial_sequence($1, 'seq'), GREATEST($2::bigint, COALESCE(MAX(seq), 0)) + 1, false) FROM ${table}`,
    [table, used],
  )
}

/** Compares each table's row count on both sides; a difference throws, rolling the copy back. */
async function verifyCounts(sqlite: Database.Database, client: PgClient): Promise<TableCounts> {
  const counts = {} as TableCounts
  for (const table of TABLES) {
    const expected = sqlite.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number
    const { rows } = await client.query<{ count: number }>(`SELECT COUNT(*) AS count FROM ${table}`)
    const actual = rows[0]?.count
    if (actual !== expected) throw new Error(`${table} has ${actual} rows in PostgreSQL but ${expected} in SQLite; nothing was migrated`)
    counts[table] = expected
  }
  return counts
}
