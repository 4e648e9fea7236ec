import { pino, type Logger } from 'pino'
import type { LogLevel } from './config.js'

/** Header and body fields that carry secrets; pino replaces their values before writing. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'apiKey',
  '*.apiKey',
]

/** Replaces the value of any apiKey query parameter, so URLs can be logged safely. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]apiKey=)[^&#]*/gi, '$1[REDACTED]')
}

export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    serializers: {
      req: (req: { id?: string; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url && redactUrl(req.url),
      }),
    },
  })
}
