import { createSqliteScopedKeyRepository } from './scoped-key-repository.js'
import { createSqliteLabelRepository } from './label-repository.js'
import { createSqliteKeptMediaRepository } from './kept-media-repository.js'
import type { Store } from '../ports.js'
import { createSqliteAuthStateRepository } from './auth-state-repository.js'
import { openDatabase } from './database.js'
import { GroupCommit } from './group-commit.js'
import { createSqliteDashboardSessionRepository } from './dashboard-session-repository.js'
import { createSqliteDeliveryRepository } from './delivery-repository.js'
import { createSqliteChatRepository } from './chat-repository.js'
import { createSqliteContactRepository } from './contact-repository.js'
import { createSqliteInboundRepository } from './inbound-repository.js'
import { createSqliteMessageRepository } from './message-repository.js'
import { createSqliteSessionRepository } from './session-repository.js'
import { createSqliteSettingsRepository } from './settings-repository.js'
import { createSqliteWebhookRepository } from './webhook-repository.js'
import { BACKSTOP_WAL_PAGES, WalCheckpointer } from './wal-checkpointer.js'

/**
 * The embedded store: one SQLite file under dataDir. WAL checkpoints run in a worker thread;
 * `onCheckpointError` hears of one that failed (the next is tried anyway).
 */
export function openSqliteStore(dataDir: string, onCheckpointError: (message: string) => void = () => {}): Store {
  const db = openDatabase(dataDir)
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_WAL_PAGES}`)
  const checkpointer = WalCheckpointer.start(db.name, onCheckpointError)
  const ping = db.prepare('SELECT 1 AS ok')
  const groupCommit = new GroupCommit(db)
  return {
    kind: 'sqlite',
    sessions: createSqliteSessionRepository(db),
    scopedKeys: createSqliteScopedKeyRepository(db),
    labels: createSqliteLabelRepository(db),
    keptMedia: createSqliteKeptMediaRepository(db),
    authStates: createSqliteAuthStateRepository(db, groupCommit),
    settings: createSqliteSettingsRepository(db),
    messages: createSqliteMessageRepository(db, groupCommit),
    inbound: createSqliteInboundRepository(db, groupCommit),
    chats: createSqliteChatRepository(db),
    contacts: createSqliteContactRepository(db),
    webhooks: createSqliteWebhookRepository(db),
    deliveries: createSqliteDeliveryRepository(db, groupCommit),
    dashboardLogins: createSqliteDashboardSessionRepository(db),
    isReachable: async () => {
      try {
        return ping.get() !== undefined
      } catch {
        return false
      }
    },
    close: async () => {
      groupCommit.flush()
      await checkpointer.stop()
      db.close()
    },
  }
}
