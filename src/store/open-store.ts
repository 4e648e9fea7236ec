import type { Config } from '../config.js'
import type { Store } from './ports.js'
import { openPostgresStore } from './postgres/postgres-store.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'

/** PostgreSQL when DATABASE_URL is set, else the embedded SQLite file. */
export function openStore(config: Config, nodeId: string): Promise<Store> {
  if (config.database.url) return openPostgresStore({ url: config.database.url, nodeId, poolSize: config.database.poolSize })
  return Promise.resolve(openSqliteStore(config.dataDir))
}
