import { createPostgresScopedKeyRepository } from './scoped-key-repository.js'
import { createPostgresLabelRepository } from './label-repository.js'
import { createPostgresKeptMediaRepository } from './kept-media-repository.js'
import type { Store } from '../ports.js'
import { type AuthWriteFence, createPostgresAuthStateRepository } from './auth-state-repository.js'
import { createPostgresDashboardSessionRepository } from './dashboard-session-repository.js'
import { createPostgresDeliveryRepository } from './delivery-repository.js'
import { createPostgresChatRepository } from './chat-repository.js'
import { createPostgresContactRepository } from './contact-repository.js'
import { createPostgresInboundRepository } from './inbound-repository.js'
import { createPostgresMessageRepository } from './message-repository.js'
import { migrate } from './migrations.js'
import { createPool, type PgPool } from './pool.js'
import { createPostgresSessionRepository } from './session-repository.js'
import { createPostgresSettingsRepository } from './settings-repository.js'
import { createPostgresWebhookRepository } from './webhook-repository.js'

export interface PostgresStoreOptions {
  /** A postgres:// URL; its `options=-c search_path=...` parameter picks the schema. */
  url: string
  /** This server process, as named in the webhook delivery claims it takes. */
  nodeId: string
  poolSize?: number
  /** How long a query may go unanswered before it fails as a database outage (none by default). */
  queryTimeoutMs?: number
  /** Refuses auth-state writes for sessions this node does not hold (several nodes). */
  fence?: AuthWriteFence
}

export interface PostgresStore extends Store {
  /** The store's connections (tests and tools that look at the tables directly). */
  readonly pool: PgPool
}

/** The shared store: one PostgreSQL database that several server processes may use at once. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  // Migrations on a connection of their own, without the query timeout: building an index may take long.
  const migrations = createPool(options.url, 1)
  try {
    await migrate(migrations)
  } finally {
    await migrations.end()
  }
  const pool = createPool(options.url, options.poolSize, options.queryTimeoutMs)
  return {
    kind: 'postgres',
    pool,
    sessions: createPostgresSessionRepository(pool),
    scopedKeys: createPostgresScopedKeyRepository(pool),
    labels: createPostgresLabelRepository(pool),
    keptMedia: createPostgresKeptMediaRepository(pool),
    authStates: createPostgresAuthStateRepository(pool, options.fence),
    settings: createPostgresSettingsRepository(pool),
    messages: createPostgresMessageRepository(pool),
    inbound: createPostgresInboundRepository(pool),
    chats: createPostgresChatRepository(pool),
    contacts: createPostgresContactRepository(pool),
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
