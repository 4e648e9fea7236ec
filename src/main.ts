import { ConfigError, loadEnv, parseConfig, type Config } from './config.js'
import { guardConsole } from './console-guard.js'
import { createLogger } from './logger.js'
import { createServer } from './server.js'
import { adaptBufferPool } from './whatsapp/buffer-pool-policy.js'
import { SecretBoxError } from './security/secret-box.js'
import { DataEncryptionError } from './store/data-encryption.js'

/** A configuration problem (a wrong data key included) stops the server with one clear line, not a stack trace. */
function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError || error instanceof DataEncryptionError || error instanceof SecretBoxError) {
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
  throw error
}

let config: Config
try {
  config = parseConfig(loadEnv())
} catch (error) {
  exitOnConfigError(error)
}
const logger = createLogger(config.logLevel)
guardConsole(logger)
adaptBufferPool(logger.child({ module: 'memory' }))
// One session's stray promise must not take down every other session.
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'))
const server = await createServer({
  config,
  logger,
  // Printed, not logged: log pipelines keep lines forever, this key must be seen once.
  announceAdminKey: (key) =>
    process.stdout.write(
      `\n  No ADMIN_API_KEY was set, so one was generated. It is shown only this once; only its hash is stored:\n\n` +
        `    ADMIN_API_KEY=${key}\n\n  Keep it safe; to replace it, set ADMIN_API_KEY.\n\n`,
    ),
}).catch(exitOnConfigError)

let stopping = false
async function shutdown(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  logger.info({ signal }, 'shutting down')
  await server.close()
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))

await server.app.listen({ port: config.port, host: config.host })
void server.resume().catch((error: unknown) => logger.error({ err: error }, 'session restore failed'))
