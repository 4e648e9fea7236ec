import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DomainError } from '../../errors.js'
import type { DashboardSessions } from '../../security/dashboard-sessions.js'
import { DASHBOARD_COOKIE, type Authenticator } from '../auth.js'
import { ErrorResponse } from '../schemas.js'

export interface DashboardRoutesDeps {
  auth: Authenticator
  logins: DashboardSessions
  /** Mark the cookie Secure (always behind HTTPS); otherwise it is Secure when the request came over HTTPS. */
  secureCookie: boolean
}

const LoggedIn = Type.Object({ success: Type.Literal(true), csrfToken: Type.String() })

export const dashboardRoutes: FastifyPluginAsyncTypebox<DashboardRoutesDeps> = async (app, { auth, logins, secureCookie }) => {
  app.post('/api/dashboard/login', {
    schema: {
      summary: 'Sign the dashboard in with the admin key: sets an HttpOnly, SameSite=Strict session cookie',
      tags: ['dashboard'],
      body: Type.Object({ adminKey: Type.String({ minLength: 1, maxLength: 256 }) }),
      response: { 200: LoggedIn, 400: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse },
    },
  }, async (request, reply) => {
    await auth.checkAdminKey(request, request.body.adminKey)
    const login = await logins.create()
    void reply.setCookie(DASHBOARD_COOKIE, login.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: secureCookie || request.protocol === 'https',
      path: '/',
      expires: new Date(login.expiresAt),
    })
    return { success: true as const, csrfToken: login.csrfToken }
  })

  app.get('/api/dashboard/session', {
    schema: {
      summary: 'Whether this browser is signed in; gives the CSRF token for its state-changing requests',
      tags: ['dashboard'],
      response: { 200: LoggedIn, 401: ErrorResponse },
    },
  }, async (request) => {
    const token = await auth.dashboardToken(request)
    const csrfToken = token === undefined ? undefined : await logins.csrfTokenFor(token)
    if (csrfToken === undefined) throw new DomainError('unauthenticated', 'Not signed in')
    return { success: true as const, csrfToken }
  })

  app.post('/api/dashboard/logout', {
    schema: {
      summary: 'Sign the dashboard out (needs the X-CSRF-Token header)',
      tags: ['dashboard'],
      response: { 200: Type.Object({ success: Type.Literal(true), message: Type.String() }), 401: ErrorResponse, 403: ErrorResponse },
    },
    onRequest: async (request) => auth.requireAdmin(request),
  }, async (request, reply) => {
    const token = await auth.dashboardToken(request)
    if (token !== undefined) await logins.revoke(token)
    void reply.clearCookie(DASHBOARD_COOKIE, { path: '/' })
    return { success: true as const, message: 'Signed out' }
  })
}
