import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import type { Store } from '../../src/store/ports.js'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import { openDatabase } from '../../src/store/sqlite/database.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { tempDir } from '../support/temp-dir.js'

export const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A store on a database of its own, and the way to throw both away. */
export interface StoreFixture {
  store: Store
  /** Runs a statement on the store's database behind its back (a row as an earlier version left it). */
  execute(statement: string): Promise<void>
  dispose(): Promise<void>
}

export interface Backend {
  name: Store['kind']
  open(): Promise<StoreFixture>
}

/** A freshly created PostgreSQL schema and a URL whose connections use it. */
export interface TestSchema {
  url: string
  drop(): Promise<void>
}

export async function createTestSchema(): Promise<TestSchema> {
  const name = `store_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE SCHEMA ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(databaseUrl)
  url.searchParams.set('options', `-c search_path=${name}`)
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      try {
        await client.query(`DROP SCHEMA ${name} CASCADE`)
      } finally {
        await client.end()
      }
    },
  }
}

let sqliteCount = 0
const sqliteRoot = tempDir('store-contract-')

export const backends: readonly Backend[] = [
  {
    name: 'sqlite',
    open: async () => {
      const dir = join(sqliteRoot, String(++sqliteCount))
      const store = openSqliteStore(dir)
      return {
        store,
        execute: async (statement) => {
          const db = openDatabase(dir)
          try {
            db.exec(statement)
          } finally {
            db.close()
          }
        },
        dispose: async () => {
          await store.close()
          rmSync(dir, { recursive: true, force: true })
        },
      }
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const schema = await createTestSchema()
      const store = await openPostgresStore({ url: schema.url, nodeId: 'node-a', poolSize: 4 })
      return {
        store,
        execute: async (statement) => {
          const client = new pg.Client({ connectionString: schema.url })
          await client.connect()
          try {
            await client.query(statement)
          } finally {
            await client.end()
          }
        },
        dispose: async () => {
          await store.close()
          await schema.drop()
        },
      }
    },
  },
]

/** Resolves once the clock has moved past the current millisecond, and returns the new time. */
export async function nextMillisecond(): Promise<number> {
  const start = Date.now()
  while (Date.now() <= start) await new Promise((resolve) => setTimeout(resolve, 1))
  return Date.now()
}
