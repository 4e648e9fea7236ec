import { randomBytes } from 'node:crypto'
import type { DashboardSessionRepository } from '../store/ports.js'
import { apiKeyMatches, hashApiKey } from './api-keys.js'

export interface DashboardLogin {
  /** Goes into the HttpOnly cookie; only its hash is stored. */
  token: string
  /** Sent back by the page in X-CSRF-Token on every state-changing request. */
  csrfToken: string
  expiresAt: number
}

/**
 * Signed-in dashboard browsers. The cookie token is random and stored hashed; each login has its
 * own CSRF token, which a cross-site page cannot read and so cannot send.
 */
export class DashboardSessions {
  constructor(
    private readonly sessions: DashboardSessionRepository,
    private readonly ttlMs: number,
  ) {}

  async create(): Promise<DashboardLogin> {
    const login = {
      token: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(24).toString('base64url'),
      expiresAt: Date.now() + this.ttlMs,
    }
    await this.sessions.create({ tokenHash: hashApiKey(login.token), csrfToken: login.csrfToken, expiresAt: login.expiresAt })
    return login
  }

  /** The CSRF token of a valid, unexpired login. */
  async csrfTokenFor(token: string): Promise<string | undefined> {
    return (await this.sessions.find(hashApiKey(token), Date.now()))?.csrfToken
  }

  async csrfMatches(token: string, presented: string): Promise<boolean> {
    const expected = await this.csrfTokenFor(token)
    return expected !== undefined && apiKeyMatches(presented, hashApiKey(expected))
  }

  revoke(token: string): Promise<void> {
    return this.sessions.delete(hashApiKey(token))
  }
}
