import { loadEnv, parseConfig, ConfigError, type Config } from './config.js'
import { buildApp } from './http/app.js'
import { createLogger } from './logger.js'
import { MessageSender } from './messaging/message-sender.js'
import { resolveAdminKey } from './security/admin-key.js'
import { SessionKeys } from './sessions/session-keys.js'
import { SessionManager } from './sessions/session-manager.js'
import { openDatabase } from './store/database.js'
import { createSqliteAuthStateRepository } from './store/sqlite-auth-state-repository.js'
import { createSqliteSessionRepository } from './store/sqlite-session-repository.js'
import { createSqliteSettingsRepository } from './store/sqlite-settings-repository.js'
import { createBaileysConnector } from './whatsapp/baileys-connector.js'
import { resolveWaVersion } from './whatsapp/wa-version.js'

function readConfig(): Config {
  try {
    return parseConfig(loadEnv())
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
}

/** Composition root: config -> store -> WhatsApp adapter -> sessions -> HTTP. */
async function main(): Promise<void> {
  const config = readConfig()
  const logger = createLogger(config.logLevel)
  const db = openDatabase(config.dataDir)
  const sessionRepository = createSqliteSessionRepository(db)

  const adminKey = resolveAdminKey(config.adminApiKey, createSqliteSettingsRepository(db), (generated) => {
    process.stdout.write(
      `\n  No ADMIN_API_KEY was set, so one was generated. It is shown only this once; only its hash is stored:\n\n` +
        `    ADMIN_API_KEY=${generated}\n\n  Keep it safe; to replace it, set ADMIN_API_KEY.\n\n`,
    )
  })

  if (config.whatsapp.url || config.whatsapp.rootKey) {
    logger.warn(
      { url: config.whatsapp.url },
      'WHATSAPP_URL/WHATSAPP_ROOT_KEY are set: connecting to a non-WhatsApp endpoint (tests and demos only)',
    )
  }
  const version = await resolveWaVersion(config.whatsapp.version, config.whatsapp.versionLookupTimeoutMs, logger)
  const connector = createBaileysConnector({
    authStates: createSqliteAuthStateRepository(db),
    version,
    logger,
    url: config.whatsapp.url,
    rootKey: config.whatsapp.rootKey,
    qrTimeoutMs: config.whatsapp.qrTimeoutMs,
  })
  const sessions = new SessionManager({
    sessions: sessionRepository,
    connector,
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

  let stopping = false
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    sessions.shutdown()
    await app.close()
    db.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))

  await app.listen({ port: config.port, host: config.host })
  void sessions.restore().catch((error) => logger.error({ err: error }, 'session restore failed'))
}

await main()
