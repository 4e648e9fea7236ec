import type { Logger } from 'pino'

/**
 * libsignal (inside Baileys) writes to the console, and some of its messages carry whole Signal
 * sessions, private ratchet keys included. Route console output into the structured log, keeping
 * only the leading text of each call and dropping the objects that follow it.
 */
export function guardConsole(logger: Logger): void {
  const consoleLogger = logger.child({ module: 'console' })
  const text = (args: unknown[]): string => (typeof args[0] === 'string' ? args[0] : '[non-text console output dropped]')
  console.log = (...args: unknown[]) => consoleLogger.debug(text(args))
  console.info = (...args: unknown[]) => consoleLogger.debug(text(args))
  console.debug = (...args: unknown[]) => consoleLogger.debug(text(args))
  console.warn = (...args: unknown[]) => consoleLogger.warn(text(args))
  console.error = (...args: unknown[]) => consoleLogger.error(text(args))
}
