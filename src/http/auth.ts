import type {} from '@fastify/cookie'
import type { FastifyRequest } from 'fastify'
import { DomainError } from '../errors.js'
import type { AdminKeyCheck } from '../security/admin-key.js'
import { apiKeyMatches, hashApiKey, PresentedKey } from '../security/api-keys.js'
import type { AuthThrottle } from '../security/auth-throttle.js'
import type { DashboardSessions } from '../security/dashboard-sessions.js'
import type { KeyScope, SessionKeys } from '../sessions/session-keys.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which scopes of a session's named key let it through; by default read for GET and manage for changes. */
    scopes?: readonly KeyScope[]
  }
}

export interface CredentialSources {
  /** Accept ?apiKey= in the URL (the seed's GET send form). */
  query?: boolean
}

function presentedValue(request: FastifyRequest, sources: CredentialSources): string | undefined {
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

/** Each request's key, so the rate limiter and the checks after it hash it once. */
const presentedKeys = new WeakMap<FastifyRequest, PresentedKey>()

/** The key a request presents: Authorization: Bearer, X-Api-Key, or (where allowed) ?apiKey=. */
export function presentedKey(request: FastifyRequest, sources: CredentialSources = {}): PresentedKey | undefined {
  const value = presentedValue(request, sources)
  if (value === undefined) return undefined
  const known = presentedKeys.get(request)
  if (known?.value === value) return known
  const key = new PresentedKey(value)
  presentedKeys.set(request, key)
  return key
}

const constantTimeEqual = (presented: PresentedKey, expected: string): boolean => apiKeyMatches(presented, hashApiKey(expected))

const missingCredentials = (): DomainError =>
  new DomainError('unauthenticated', 'Missing API key: send Authorization: Bearer <key> or X-Api-Key')

/** Whose key a request presented: the admin's, or one session's (its own key or a named key). */
export type KeyHolder = { admin: true } | { admin: false; deviceId: string }

/** Rate limits count per API key where one is presented (hashed, never the key itself), else per address. */
export function rateLimitKey(request: FastifyRequest): string {
  const key = presentedKey(request, { query: true })
  return key === undefined ? `ip:${request.ip}` : `key:${key.hash}`
}

export const DASHBOARD_COOKIE = 'wa_dashboard'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export class Authenticator {
  constructor(
    private readonly admin: AdminKeyCheck,
    private readonly sessionKeys: SessionKeys,
    private readonly throttle: AuthThrottle,
    private readonly dashboard: DashboardSessions,
  ) {}

  /** The dashboard cookie's token, when it names a valid login. */
  async dashboardToken(request: FastifyRequest): Promise<string | undefined> {
    const token = request.cookies[DASHBOARD_COOKIE]
    return token && (await this.dashboard.csrfTokenFor(token)) !== undefined ? token : undefined
  }

  /**
   * A signed-in dashboard browser acts as the admin. Its state-changing requests must carry the
   * login's CSRF token, which a cross-site page cannot read.
   */
  private async signedInDashboard(request: FastifyRequest): Promise<boolean> {
    if (request.cookies[DASHBOARD_COOKIE] === undefined) return false
    const token = await this.dashboardToken(request)
    if (token === undefined) return false
    if (SAFE_METHODS.has(request.method)) return true
    const presented = request.headers['x-csrf-token']
    if (typeof presented !== 'string' || !(await this.dashboard.csrfMatches(token, presented))) {
      throw new DomainError('forbidden', 'Missing or invalid CSRF token; reload the dashboard')
    }
    return true
  }

  /** Checks a candidate admin key (the dashboard sign-in) under the same throttling as API keys. */
  async checkAdminKey(request: FastifyRequest, key: string): Promise<void> {
    await this.verified(request, (k) => this.admin.matches(k), new PresentedKey(key), 'Invalid admin API key')
  }

  /** Checks a presented key with throttling: a key refused too often from an address gets 429, wrong keys count against it. */
  private async verified(
    request: FastifyRequest,
    accepts: (key: PresentedKey) => boolean | Promise<boolean>,
    key: PresentedKey,
    refusal: string,
  ): Promise<void> {
    this.throttle.check(request.ip, key.value)
    if (!(await accepts(key))) {
      this.throttle.fail(request.ip, key.value)
      throw new DomainError('forbidden', refusal)
    }
    this.throttle.succeed(request.ip, key.value)
  }

  /** A key is presented at all; which one is checked once the resource is known. */
  async requireSomeKey(request: FastifyRequest): Promise<void> {
    if (await this.signedInDashboard(request)) return
    if (presentedKey(request) === undefined) throw missingCredentials()
  }

  async requireAdmin(request: FastifyRequest, sources: CredentialSources = {}): Promise<void> {
    if (await this.signedInDashboard(request)) return
    const key = presentedKey(request, sources)
    if (key === undefined) throw missingCredentials()
    await this.verified(request, (k) => this.admin.matches(k), key, 'Invalid admin API key')
  }

  /** The admin key or, when configured, a dedicated key (used for /metrics). */
  async requireAdminOr(request: FastifyRequest, otherKey: string): Promise<void> {
    if (await this.signedInDashboard(request)) return
    const key = presentedKey(request)
    if (key === undefined) throw missingCredentials()
    await this.verified(request, (k) => this.admin.matches(k) || constantTimeEqual(k, otherKey), key, 'Invalid API key')
  }

  /**
   * Who a presented key is, where the request names no session (the MCP endpoint): the admin, or
   * the one session the key belongs to. Throttled like every other check.
   */
  async identify(request: FastifyRequest): Promise<KeyHolder> {
    const key = presentedKey(request)
    if (key === undefined) throw missingCredentials()
    let holder: KeyHolder | undefined
    await this.verified(request, async (k) => {
      if (this.admin.matches(k)) holder = { admin: true }
      else {
        const deviceId = await this.sessionKeys.sessionOf(k)
        if (deviceId !== undefined) holder = { admin: false, deviceId }
      }
      return holder !== undefined
    }, key, 'Invalid API key')
    return holder!
  }

  /**
   * Whether a long-lived request (an event stream) may go on: its dashboard login, admin key or
   * session key (with a scope the route takes) still valid. Checked again while the stream is open,
   * so a key revoked or replaced, a session deleted or a dashboard signed out ends it. Not
   * throttled: the credentials passed when the stream opened, and a refusal only closes it.
   */
  async stillAllowed(request: FastifyRequest, deviceId: string | undefined): Promise<boolean> {
    if (request.cookies[DASHBOARD_COOKIE] !== undefined && (await this.dashboardToken(request)) !== undefined) return true
    const key = presentedKey(request, { query: true })
    if (key === undefined) return false
    if (this.admin.matches(key)) return true
    if (deviceId === undefined) return false
    const scopes = await this.sessionKeys.scopesOf(deviceId, key)
    return scopes !== null && this.neededScopes(request).some((scope) => scopes.includes(scope))
  }

  private neededScopes(request: FastifyRequest): readonly KeyScope[] {
    return request.routeOptions.config.scopes ?? (SAFE_METHODS.has(request.method) ? ['read'] : ['manage'])
  }

  /** The admin key, the key of this very session, or one of its named keys with a scope this route takes. */
  async requireSessionAccess(request: FastifyRequest, deviceId: string, sources: CredentialSources = {}): Promise<void> {
    if (await this.signedInDashboard(request)) return this.sessionKeys.confirmSession(deviceId)
    const key = presentedKey(request, sources)
    if (key === undefined) throw missingCredentials()
    const needed = this.neededScopes(request)
    await this.verified(request, async (k) => {
      if (this.admin.matches(k)) {
        // A session key's check reads the session anyway; the admin's must too.
        await this.sessionKeys.confirmSession(deviceId)
        return true
      }
      const scopes = await this.sessionKeys.scopesOf(deviceId, k)
      if (scopes === null) return false
      // A valid key short of a scope is no failed guess: refused without counting against the address.
      if (!needed.some((scope) => scopes.includes(scope))) {
        throw new DomainError('forbidden', `This key lacks the ${needed.join(' or ')} scope this request needs`, { missingScope: needed[0] })
      }
      return true
    }, key, `Invalid API key for session "${deviceId}"`)
  }
}
