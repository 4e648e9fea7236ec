import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { openPostgresStore } from '../src/store/postgres/postgres-store.js'
import type { SimProcess } from './sim-process.js'
import { seedLinkedDevices } from './seed.js'

/** A fresh schema in the bench database, and the URL whose connections use it. */
export interface BenchSchema {
  url: string
  drop(): Promise<void>
}

async function query(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

export async function createSchema(databaseUrl: string): Promise<BenchSchema> {
  const name = `bench_cluster_${randomBytes(6).toString('hex')}`
  await query(databaseUrl, `CREATE SCHEMA ${name}`)
  const url = new URL(databaseUrl)
  url.searchParams.set('options', `-c search_path=${name}`)
  return { url: url.toString(), drop: () => query(databaseUrl, `DROP SCHEMA ${name} CASCADE`) }
}

/** Seeds `count` linked sessions into the schema, as the nodes find them after a migration (see seedLinkedDevices). */
export async function seedLinkedSessions(url: string, sim: SimProcess, count: number): Promise<Map<string, string>> {
  const store = await openPostgresStore({ url, nodeId: 'bench-seed' })
  try {
    return await seedLinkedDevices(store, sim, Array.from({ length: count }, (_, i) => `cluster-${String(i).padStart(5, '0')}`))
  } finally {
    await store.close()
  }
}
