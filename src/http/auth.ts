import type { FastifyRequest } from 'fastify'
import { DomainError } from '../errors.js'
import type { AdminKeyCheck } from '../security/admin-key.js'
import type { SessionKeys } from '../sessions/session-keys.js'

export interface CredentialSources {
  /** Accept ?apiKey= in the URL (the seed's GET send form). */
  query?: boolean
}

/** The key a request presents: Authorization: Bearer, X-Api-Key, or (where allowed) ?apiKey=. */
export function presentedKey(request: FastifyRequest, sources: CredentialSources = {}): string | undefined {
  const authorization = request.headers.authorization
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (match) return match[1]
  }
  const header = request.headers['x-api-key']
  if (typeof header === 'string' && header.length > 0) return header
  if (sources.query) {
    const value = (request.query as Record<string, unknown> | undefined)?.apiKey
    if (typeof value === 'string' && value.length > 0) return value
  }
  return undefined
}

const missingCredentials = (): DomainError =>
  new DomainError('unauthenticated', 'Missing API key: send Authorization: Bearer <key> or X-Api-Key')

export class Authenticator {
  constructor(
    private readonly admin: AdminKeyCheck,
    private readonly sessionKeys: SessionKeys,
  ) {}

  /** A key is presented at all; which one is checked once the resource is known. */
  requireSomeKey(request: FastifyRequest): void {
    if (presentedKey(request) === undefined) throw missingCredentials()
  }

  requireAdmin(request: FastifyRequest, sources: CredentialSources = {}): void {
    const key = presentedKey(request, sources)
    if (key === undefined) throw missingCredentials()
    if (!this.admin.matches(key)) throw new DomainError('forbidden', 'Invalid admin API key')
  }

  /** The admin key, or the key of this very session. */
  requireSessionAccess(request: FastifyRequest, deviceId: string, sources: CredentialSources = {}): void {
    const key = presentedKey(request, sources)
    if (key === undefined) throw missingCredentials()
    if (this.admin.matches(key) || this.sessionKeys.verify(deviceId, key)) return
    throw new DomainError('forbidden', `Invalid API key for session "${deviceId}"`)
  }
}
