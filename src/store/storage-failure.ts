import { DomainError } from '../errors.js'

/** Node's socket errors and PostgreSQL's connection-exception (08) and shutdown (57P01-57P03) codes. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])
const POSTGRES_UNAVAILABLE = /^(08|57P0[1-3]|53300)/
/** What pg says when a query outlives `query_timeout`. */
export const PG_QUERY_TIMEOUT_MESSAGE = 'Query read timeout'
/** What pg and pg-pool say when a query's answer never came, or a connection ends or cannot be had at all; pg sets no code. */
const CONNECTION_LOST = [
  PG_QUERY_TIMEOUT_MESSAGE, 'Connection terminated', 'Connection ended unexpectedly',
  'timeout exceeded when trying to connect', 'Client has encountered a connection error',
]
const CONNECTION_MESSAGES = new RegExp(CONNECTION_LOST.join('|'), 'i')

/** Outages are usually seconds (a restart, a failover): clients come back then rather than at once. */
const RETRY_LATER: Readonly<Record<string, unknown>> = Object.freeze({ retryAfterSeconds: 5 })

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { code, errors } = error as { code?: unknown; errors?: unknown }
  if (typeof code === 'string' && code.length > 0) return code
  // Node reports a refused localhost connection (IPv4 and IPv6 tried) as an AggregateError.
  return Array.isArray(errors) ? codeOf(errors[0]) : undefined
}

/**
 * A database failure told as what it is, for the caller: a full disk (507), or a database that
 * cannot be reached or written (503). Undefined for everything else (a bug stays a 500).
 */
export function describeStorageFailure(error: unknown): DomainError | undefined {
  const code = codeOf(error)
  const message = error instanceof Error ? error.message : ''
  if (code === 'SQLITE_FULL') {
    return new DomainError('insufficient_storage', 'The database cannot store anything: its disk is full (SQLITE_FULL)', RETRY_LATER)
  }
  if (code?.startsWith('SQLITE_IOERR') || code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_CANTOPEN')) {
    return new DomainError('unavailable', `The database cannot be written (${code})`, RETRY_LATER)
  }
  if ((code !== undefined && (CONNECTION_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code))) || CONNECTION_MESSAGES.test(message)) {
    return new DomainError('unavailable', `The database is unavailable (${code ?? message})`, RETRY_LATER)
  }
  return undefined
}
