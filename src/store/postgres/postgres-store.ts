import type { Store } from '../ports.js'
import { createPostgresAuthStateRepository } from './auth-state-repository.js'
import { createPostgresDashboardSessionRepository } from './dashboard-session-repository.js'
import { createPostgresDeliveryRepository } from './delivery-repository.js'
import { createPostgresInboundRepository } from './inbound-repository.js'
import { createPostgresMessageRepository } from './message-repository.js'
import { migrate } from './migrations.js'
import { createPool } from './pool.js'
import { createPostgresSessionRepository } from './session-repository.js'
import { createPostgresSettingsRepository } from './settings-repository.js'
import { createPostgresWebhookRepository } from './webhook-repository.js'

export interface PostgresStoreOptions {
  /** A postgres:// URL; its `options=-c search_path=...` parameter picks the schema. */
  url: string
  /** This server process, as named in the webhook delivery claims it takes. */
  nodeId: string
  poolSize?: number
}

/** The shared store: one PostgreSQL database that several server processes may use at once. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = createPool(options.url, options.poolSize)
  try {
    await migrate(pool)
  } catch (error) {
    await pool.end()
    throw error
  }
  return {
    kind: 'postgres',
    sessions: createPostgresSessionRepository(pool),
    authStates: createPostgresAuthStateRepository(pool),
    settings: createPostgresSettingsRepository(pool),
    messages: createPostgresMessageRepository(pool),
    inbound: createPostgresInboundRepository(pool),
    webhooks: createPostgresWebhookRepository(pool),
    deliveries: createPostgresDeliveryRepository(pool, options.nodeId),
    dashboardLogins: createPostgresDashboardSessionRepository(pool),
    isReachable: async () => {
      try {
        await pool.query('SELECT 1')
        return true
      } catch {
        return false
      }
    },
    close: () => pool.end(),
  }
}
