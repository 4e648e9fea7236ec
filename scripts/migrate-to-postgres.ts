import { parseArgs } from 'node:util'
import { loadEnv } from '../src/config.js'
import { migrateSqliteToPostgres, TABLES, type MigrateOptions, type TableCounts } from '../src/store/migrate-to-postgres.js'

// Moves a single node's SQLite data into an empty PostgreSQL database: npm run migrate:postgres -- --help

const HELP = `Usage: npm run migrate:postgres -- [options]

Copies everything in a node's SQLite file (sessions, auth state, messages, webhooks and their
deliveries, dashboard logins, settings) into an empty PostgreSQL database, in one transaction.
Then start the server, or several, with DATABASE_URL set. Stop the server before migrating:
what it writes afterwards is not copied. The SQLite file is only read.

Options:
  --data-dir <dir>       the server's data directory (default: DATA_DIR, else ./data)
  --sqlite-file <file>   copy this SQLite file instead, e.g. a backup from scripts/backup.mjs
  --database-url <url>   the target, postgres://user:password@host:port/database (default: DATABASE_URL)
  -h, --help             show this help

DATA_DIR and DATABASE_URL are read from the environment and from .env, as the server does.
`

/** Reads flags, falling back to the environment and .env the way the server does. */
function readOptions(args: string[]): MigrateOptions | undefined {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      'sqlite-file': { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return undefined
  const env = loadEnv()
  const url = values['database-url'] ?? nonEmpty(env.DATABASE_URL)
  if (url === undefined) throw new Error('No target database: pass --database-url or set DATABASE_URL (see --help)')
  if (!isPostgresUrl(url)) throw new Error('The target database must be a postgres:// or postgresql:// URL')
  const sqliteFile = values['sqlite-file']
  if (sqliteFile !== undefined) return { sqlitePath: sqliteFile, url }
  return { dataDir: values['data-dir'] ?? nonEmpty(env.DATA_DIR) ?? './data', url }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value?.trim() || undefined
}

function isPostgresUrl(url: string): boolean {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(url).protocol)
  } catch {
    return false
  }
}

/** The URL as it may be shown: the password, in the user part or as a parameter, masked. */
function displayUrl(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***')
  return parsed.toString()
}

function formatCounts(counts: TableCounts): string {
  const width = Math.max(...TABLES.map((table) => table.length))
  const total = TABLES.reduce((sum, table) => sum + counts[table], 0)
  const line = (name: string, rows: number | string) => `  ${name.padEnd(width)}  ${String(rows).padStart(10)}\n`
  return line('table', 'rows') + TABLES.map((table) => line(table, counts[table])).join('') + line('total', total)
}

/** One line for the error; connection failures can be an AggregateError without a message of its own. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0])
  if (error instanceof Error) return error.message || (error as NodeJS.ErrnoException).code || error.name
  return String(error)
}

/** Drops the URL's password from anything printed, should a driver message ever repeat it. */
function withoutPassword(text: string, url: string | undefined): string {
  if (url === undefined || !isPostgresUrl(url)) return text
  const parsed = new URL(url)
  const passwords = [parsed.password, decodeURIComponent(parsed.password), parsed.searchParams.get('password') ?? '']
  return passwords.filter(Boolean).reduce((masked, password) => masked.replaceAll(password, '***'), text)
}

let options: MigrateOptions | undefined
try {
  options = readOptions(process.argv.slice(2))
  if (options === undefined) {
    process.stdout.write(HELP)
  } else {
    const source = 'sqlitePath' in options ? options.sqlitePath : `the data directory ${options.dataDir}`
    process.stdout.write(`Migrating ${source} to ${displayUrl(options.url)}\n`)
    const counts = await migrateSqliteToPostgres({ ...options, log: (message) => process.stdout.write(`  ${message}\n`) })
    process.stdout.write(`\n${formatCounts(counts)}\nDone. Start the server with DATABASE_URL set to this database.\n`)
  }
} catch (error) {
  process.stderr.write(`migrate:postgres: ${withoutPassword(describe(error).split('\n')[0]!, options?.url)}\n`)
  process.exitCode = 1
}
