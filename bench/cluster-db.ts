import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { openPostgresStore } from '../src/store/postgres/postgres-store.js'
import type { SimProcess } from './sim-process.js'
import { mapLimit } from './wait.js'

/** Provision calls to the simulator in flight while seeding. */
const SEED_CONCURRENCY = 8

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

/**
 * Links `count` devices at the simulator and writes each as a running session with its creds,
 * as the nodes find them after a migration. Returns each session's phone number by device id.
 */
export async function seedLinkedSessions(url: string, sim: SimProcess, count: number): Promise<Map<string, string>> {
  const store = await openPostgresStore({ url, nodeId: 'bench-seed' })
  try {
    const seeded = await mapLimit(Array.from({ length: count }, (_, i) => `cluster-${String(i).padStart(5, '0')}`), SEED_CONCURRENCY, async (deviceId) => {
      const { phoneNumber, credsJson } = await sim.provision()
      await store.sessions.create(deviceId, 'running')
      await store.authStates.writeCreds(deviceId, credsJson)
      return [deviceId, phoneNumber] as const
    })
    return new Map(seeded)
  } finally {
    await store.close()
  }
}
