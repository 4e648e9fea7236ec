import type { FastifyRequest } from 'fastify'
import { DomainError } from '../errors.js'
import type { AdminKeyCheck } from '../security/admin-key.js'
import { apiKeyMatches, hashApiKey } from '../security/api-keys.js'
import type { AuthThrottle } from '../security/auth-throttle.js'
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

const constantTimeEqual = (presented: string, expected: string): boolean => apiKeyMatches(presented, hashApiKey(expected))

const missingCredentials = (): DomainError =>
  new DomainError('unauthenticated', 'Missing API key: send Authorization: Bearer <key> or X-Api-Key')

export class Authenticator {
  constructor(
    private readonly admin: AdminKeyCheck,
    private readonly sessionKeys: SessionKeys,
    private readonly throttle: AuthThrottle,
  ) {}

  /** Checks a presented key with throttling: blocked addresses get 429, wrong keys count against them. */
  private verified(request: FastifyRequest, accepts: (key: string) => boolean, key: string, refusal: string): void {
    this.throttle.check(request.ip)
    if (!accepts(key)) {
      this.throttle.fail(request.ip)
      throw new DomainError('forbidden', refusal)
    }
    this.throttle.succeed(request.ip)
  }

  /** A key is presented at all; which one is checked once the resource is known. */
  requireSomeKey(request: FastifyRequest): void {
    if (presentedKey(request) === undefined) throw missingCredentials()
  }

  requireAdmin(request: FastifyRequest, sources: CredentialSources = {}): void {
    const key = presentedKey(request, sources)
    if (key === undefined) throw missingCredentials()
    this.verified(request, (k) => this.admin.matches(k), key, 'Invalid admin API key')
  }

  /** The admin key or, when configured, a dedicated key (used for /metrics). */
  requireAdminOr(request: FastifyRequest, otherKey: string): void {
    const key = presentedKey(request)
    if (key === undefined) throw missingCredentials()
    this.verified(request, (k) => this.admin.matches(k) || constantTimeEqual(k, otherKey), key, 'Invalid API key')
  }

  /** The admin key, or the key of this very session. */
  requireSessionAccess(request: FastifyRequest, deviceId: string, sources: CredentialSources = {}): void {
    const key = presentedKey(request, sources)
    if (key === undefined) throw missingCredentials()
    this.verified(request, (k) => this.admin.matches(k) || this.sessionKeys.verify(deviceId, k), key, `Invalid API key for session "${deviceId}"`)
  }
}
