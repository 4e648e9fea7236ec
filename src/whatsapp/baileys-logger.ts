import { type Logger, levels } from 'pino'

type Method = 'trace' | 'debug' | 'info' | 'warn' | 'error'
type LogArgs = [obj: unknown, msg?: string]

/**
 * The logger a Baileys socket gets: pino's, behind an object whose `level` is a plain field and
 * whose children are made only when they write. Baileys reads `logger.level` for every frame in
 * and out (pino answers through a getter and a lookup: 2.4% of an idle server's main thread at
 * 4,000 sessions, where those frames are the keep-alive's) and makes a child for every message it
 * builds (`generateWAMessage`: 0.8% of a send's CPU), which at the level its sockets run at (warn)
 * almost never writes. What is written is pino's own output, bindings included.
 */
export class BaileysLogger {
  private made: Logger | undefined

  /** `make` gives the pino logger, called at the first write; `level` is its level. */
  constructor(private readonly make: () => Logger, readonly level: string) {}

  child(bindings: Record<string, unknown>): BaileysLogger {
    return new BaileysLogger(() => this.logger().child(bindings), this.level)
  }

  trace(...args: LogArgs): void {
    this.write('trace', args)
  }

  debug(...args: LogArgs): void {
    this.write('debug', args)
  }

  info(...args: LogArgs): void {
    this.write('info', args)
  }

  warn(...args: LogArgs): void {
    this.write('warn', args)
  }

  error(...args: LogArgs): void {
    this.write('error', args)
  }

  private write(method: Method, args: LogArgs): void {
    // pino's own ranks; below the level nothing is made (a level pino has no rank for, such as silent, is left to pino)
    if (levels.values[method]! < levels.values[this.level]!) return
    ;(this.logger()[method] as (...parts: unknown[]) => void)(...args)
  }

  private logger(): Logger {
    return (this.made ??= this.make())
  }
}
