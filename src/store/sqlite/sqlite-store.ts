import type { Store } from '../ports.js'
import { createSqliteAuthStateRepository } from './auth-state-repository.js'
import { openDatabase } from './database.js'
import { createSqliteDashboardSessionRepository } from './dashboard-session-repository.js'
import { createSqliteDeliveryRepository } from './delivery-repository.js'
import { createSqliteInboundRepository } from './inbound-repository.js'
import { createSqliteMessageRepository } from './message-repository.js'
import { createSqliteSessionRepository } from './session-repository.js'
import { createSqliteSettingsRepository } from './settings-repository.js'
import { createSqliteWebhookRepository } from './webhook-repository.js'

/** The embedded store: one SQLite file under dataDir. */
export function openSqliteStore(dataDir: string): Store {
  const db = openDatabase(dataDir)
  const ping = db.prepare('SELECT 1 AS ok')
  return {
    kind: 'sqlite',
    sessions: createSqliteSessionRepository(db),
    authStates: createSqliteAuthStateRepository(db),
    settings: createSqliteSettingsRepository(db),
    messages: createSqliteMessageRepository(db),
    inbound: createSqliteInboundRepository(db),
    webhooks: createSqliteWebhookRepository(db),
    deliveries: createSqliteDeliveryRepository(db),
    dashboardLogins: createSqliteDashboardSessionRepository(db),
    isReachable: async () => {
      try {
        return ping.get() !== undefined
      } catch {
        return false
      }
    },
    close: async () => {
      db.close()
    },
  }
}
