import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { SecretBox, SecretBoxError, secretContext } from '../security/secret-box.js'
import { openDatabase } from './sqlite/database.js'
import { migrate as migratePostgres } from './postgres/migrations.js'
import { createPool, inTransaction } from './postgres/pool.js'
import type { Store } from './ports.js'

/** The setting holding a known text sealed with the data key: it tells a wrong key at start-up. */
export const KEY_CHECK_SETTING = 'data_encryption_check'
const KEY_CHECK_TEXT = 'whatsapp-api data encryption key check'

/** The data key does not fit the database (wrong, missing, or the database is not encrypted yet). */
export class DataEncryptionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DataEncryptionError'
  }
}

function checkKey(box: SecretBox, sealedCheck: string): void {
  let opened: string
  try {
    opened = box.open(sealedCheck, secretContext.keyCheck)
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error
    throw new DataEncryptionError('DATA_ENCRYPTION_KEY is not the key this database is encrypted with')
  }
  if (opened !== KEY_CHECK_TEXT) throw new DataEncryptionError('DATA_ENCRYPTION_KEY is not the key this database is encrypted with')
}

/**
 * At start-up, before anything is read: with a key, the database must be encrypted with it (a new,
 * empty one is marked as encrypted); without one, it must not be encrypted. Never silent garbage.
 */
export async function verifyDataEncryption(store: Store, box: SecretBox | undefined): Promise<void> {
  const check = await store.settings.get(KEY_CHECK_SETTING)
  if (!box) {
    if (check !== undefined) throw new DataEncryptionError('This database is encrypted: set DATA_ENCRYPTION_KEY to its key')
    return
  }
  if (check !== undefined) return checkKey(box, check)
  if ((await store.sessions.list()).length > 0) {
    throw new DataEncryptionError('This database holds unencrypted secrets: stop the server and run `npm run secrets -- encrypt` first')
  }
  // Several nodes may start at once on a new database: the first check stored is the one that counts.
  checkKey(box, await store.settings.setIfAbsent(KEY_CHECK_SETTING, box.seal(KEY_CHECK_TEXT, secretContext.keyCheck)))
}

type Row = Record<string, string | null>

/** The few statements resealing needs, on either backend. `?` placeholders. */
interface Sql {
  all(sql: string, params: unknown[]): Promise<Row[]>
  run(sql: string, params: unknown[]): Promise<void>
}

/** One secret column: how its rows are paged (by primary key) and the context each value is bound to. */
interface SecretColumn {
  table: string
  column: string
  keys: string[]
  context: (row: Row) => string
}

const SECRET_COLUMNS: SecretColumn[] = [
  { table: 'auth_creds', column: 'creds', keys: ['device_id'], context: (row) => secretContext.creds(row.device_id!) },
  { table: 'auth_keys', column: 'value', keys: ['device_id', 'type', 'key_id'], context: (row) => secretContext.authKey(row.device_id!, row.type!, row.key_id!) },
  { table: 'webhooks', column: 'secret', keys: ['id'], context: (row) => secretContext.webhookSecret(row.id!) },
  { table: 'sessions', column: 'proxy_url', keys: ['device_id'], context: (row) => secretContext.proxyUrl(row.device_id!) },
]
const PAGE_ROWS = 1000
/** A node that beat its heart this recently may still be running (leases last 15 s by default). */
const RUNNING_NODE_WINDOW_MS = 60_000
/** The server's file name under DATA_DIR (see openDatabase). */
const SQLITE_FILE = 'whatsapp-api.db'

export interface ResealCounts {
  [table: string]: number
}

/**
 * Re-writes every secret: opened with `from` (or taken as plain text when the database is not
 * encrypted) and sealed with `to` (or left plain). Encrypting, rotating the key and decrypting are
 * this one pass, in one transaction: it all happens or nothing does. The server must be stopped.
 */
async function reseal(sql: Sql, from: SecretBox | undefined, to: SecretBox | undefined): Promise<ResealCounts> {
  const [check] = await sql.all('SELECT value FROM settings WHERE name = ?', [KEY_CHECK_SETTING])
  if (from && !check) throw new DataEncryptionError('This database is not encrypted')
  if (from && check) checkKey(from, check.value!)
  if (!from && check) throw new DataEncryptionError('This database is already encrypted: give its key to rotate or decrypt it')
  const counts: ResealCounts = {}
  for (const column of SECRET_COLUMNS) {
    let resealed = 0
    const keyList = column.keys.join(', ')
    const placeholders = column.keys.map(() => '?').join(', ')
    let after: string[] | undefined
    for (;;) {
      const page = await sql.all(
        `SELECT ${keyList}, ${column.column} AS secret FROM ${column.table} WHERE ${column.column} IS NOT NULL` +
          `${after ? ` AND (${keyList}) > (${placeholders})` : ''} ORDER BY ${keyList} LIMIT ${PAGE_ROWS}`,
        after ?? [],
      )
      for (const row of page) {
        const context = column.context(row)
        const plain = from ? from.open(row.secret!, context) : row.secret!
        if (!from && SecretBox.isSealed(plain)) throw new DataEncryptionError(`${context} is already encrypted`)
        await sql.run(
          `UPDATE ${column.table} SET ${column.column} = ? WHERE ${column.keys.map((key) => `${key} = ?`).join(' AND ')}`,
          [to ? to.seal(plain, context) : plain, ...column.keys.map((key) => row[key])],
        )
      }
      resealed += page.length
      if (page.length < PAGE_ROWS) break
      const last = page[page.length - 1]!
      after = column.keys.map((key) => last[key]!)
    }
    counts[column.table] = resealed
  }
  if (to) {
    await sql.run('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [
      KEY_CHECK_SETTING, to.seal(KEY_CHECK_TEXT, secretContext.keyCheck),
    ])
  } else {
    await sql.run('DELETE FROM settings WHERE name = ?', [KEY_CHECK_SETTING])
  }
  return counts
}

export type DatabaseLocation = { dataDir: string } | { url: string }

/** Runs reseal on the server's database (SQLite under dataDir, or PostgreSQL), schema brought up to date first. */
export async function resealDatabase(location: DatabaseLocation, from: SecretBox | undefined, to: SecretBox | undefined): Promise<ResealCounts> {
  if ('dataDir' in location) {
    const file = join(location.dataDir, SQLITE_FILE)
    // Opening a missing file would create an empty database and "encrypt" that.
    if (!existsSync(file)) throw new DataEncryptionError(`No database at ${file}: set DATA_DIR to the server's data directory`)
    const db = openDatabase(location.dataDir)
    try {
      db.exec('BEGIN IMMEDIATE')
      let counts: ResealCounts
      try {
        counts = await reseal({
          all: async (text, params) => db.prepare(text).all(...params) as Row[],
          run: async (text, params) => void db.prepare(text).run(...params),
        }, from, to)
        db.exec('COMMIT')
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK')
        throw error
      }
      // Rebuilt so that no page the old values lived in stays in the file; the re-seal itself is done either way.
      db.exec('VACUUM')
      return counts
    } finally {
      db.close()
    }
  }
  const pool = createPool(location.url, 1)
  try {
    await migratePostgres(pool)
    return await inTransaction(pool, async (client) => {
      // Nothing else writes while the secrets are re-sealed, and no node may be running at all:
      // one would go on writing with the old key (or none) afterwards.
      await client.query('LOCK TABLE settings, sessions, auth_creds, auth_keys, webhooks IN EXCLUSIVE MODE')
      const { rows: running } = await client.query<{ node_id: string }>(
        'SELECT node_id FROM cluster_nodes WHERE heartbeat_at > $1', [Date.now() - RUNNING_NODE_WINDOW_MS])
      if (running.length > 0) {
        throw new DataEncryptionError(`Stop every node first: ${running.map((row) => row.node_id).join(', ')} ${running.length === 1 ? 'is' : 'are'} running`)
      }
      const numbered = (text: string): string => {
        let n = 0
        return text.replace(/\?/g, () => `$${++n}`)
      }
      return reseal({
        all: async (text, params) => (await client.query<Row>(numbered(text), params)).rows,
        run: async (text, params) => void (await client.query(numbered(text), params)),
      }, from, to)
    })
  } finally {
    await pool.end()
  }
}
