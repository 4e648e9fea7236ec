import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from './config.js'
import { buildApp } from './http/app.js'
import { MessageSender } from './messaging/message-sender.js'
import { resolveAdminKey } from './security/admin-key.js'
import { SessionKeys } from './sessions/session-keys.js'
import { SessionManager } from './sessions/session-manager.js'
import type { WhatsAppConnector } from './sessions/whatsapp-port.js'
import { openDatabase } from './store/database.js'
import { createSqliteAuthStateRepository } from './store/sqlite-auth-state-repository.js'
import { createSqliteSessionRepository } from './store/sqlite-session-repository.js'
import { createSqliteSettingsRepository } from './store/sqlite-settings-repository.js'
import type { AuthStateRepository } from './store/ports.js'
import { createBaileysConnector } from './whatsapp/baileys-connector.js'
import { resolveWaVersion } from './whatsapp/wa-version.js'

export interface ServerOptions {
  config: Config
  logger: Logger
  /** Receives a generated admin key, the one time it exists in clear. */
  announceAdminKey: (key: string) => void
  /** Replaces the Baileys connector (unit-level HTTP tests only). */
  connector?: (authStates: AuthStateRepository) => WhatsAppConnector
}

export interface Server {
  app: FastifyInstance
  sessions: SessionManager
  /** Closes sockets (without logging out), the HTTP server and the database. */
  close(): Promise<void>
}

/** Wires config -> store -> WhatsApp adapter -> sessions -> HTTP. */
export async function createServer({ config, logger, announceAdminKey, connector }: ServerOptions): Promise<Server> {
  const db = openDatabase(config.dataDir)
  const sessionRepository = createSqliteSessionRepository(db)
  const authStates = createSqliteAuthStateRepository(db)
  const adminKey = resolveAdminKey(config.adminApiKey, createSqliteSettingsRepository(db), announceAdminKey)

  const sessions = new SessionManager({
    sessions: sessionRepository,
    connector: connector ? connector(authStates) : await createRealConnector(config, logger, authStates),
    reconnect: config.reconnect,
    restoreConcurrency: config.restoreConcurrency,
    logger: logger.child({ module: 'sessions' }),
  })
  const keys = new SessionKeys(sessionRepository)
  const app = await buildApp({
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    sessions,
    keys,
    sender: new MessageSender(sessions, config.sendTimeoutMs),
    adminKey,
  })

  return {
    app,
    sessions,
    close: async () => {
      sessions.shutdown()
      await app.close()
      db.close()
    },
  }
}

async function createRealConnector(config: Config, logger: Logger, authStates: AuthStateRepository): Promise<WhatsAppConnector> {
  if (config.whatsapp.url || config.whatsapp.rootKey) {
    logger.warn(
      { url: config.whatsapp.url },
      'WHATSAPP_URL/WHATSAPP_ROOT_KEY are set: connecting to a non-WhatsApp endpoint (tests and demos only)',
    )
  }
  return createBaileysConnector({
    authStates,
    version: await resolveWaVersion(config.whatsapp.version, config.whatsapp.versionLookupTimeoutMs, logger),
    logger,
    url: config.whatsapp.url,
    rootKey: config.whatsapp.rootKey,
    qrTimeoutMs: config.whatsapp.qrTimeoutMs,
  })
}
