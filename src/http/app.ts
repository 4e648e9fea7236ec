import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import cookie from '@fastify/cookie'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import staticFiles from '@fastify/static'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import helmet from 'helmet'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Config } from '../config.js'
import { DomainError } from '../errors.js'
import { AuthThrottle } from '../security/auth-throttle.js'
import type { DashboardSessions } from '../security/dashboard-sessions.js'
import type { LiveStream } from '../events/live-stream.js'
import type { Directory } from '../messaging/directory.js'
import type { Inbox } from '../messaging/inbox.js'
import type { ConversationService } from '../messaging/conversations.js'
import type { ChatActionService } from '../messaging/chat-actions.js'
import type { ContactDirectory } from '../people/contact-directory.js'
import type { ProfileService } from '../people/profile-service.js'
import type { CallService } from '../calls/call-service.js'
import type { GroupService } from '../groups/group-service.js'
import type { LabelService } from '../labels/label-service.js'
import type { StatusService } from '../status/status-service.js'
import type { ChannelService } from '../channels/channel-service.js'
import type { MessageService } from '../messaging/message-service.js'
import type { SessionKeys } from '../sessions/session-keys.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { AdminKeyCheck } from '../security/admin-key.js'
import { Authenticator, rateLimitKey } from './auth.js'
import { frameworkErrors, registerErrorHandling } from './error-handler.js'
import { registerOpenApi } from './openapi.js'
import { clusterRoutes, type ClusterView } from './routes/cluster.js'
import type { SessionRouting } from './session-routing.js'
import { dashboardRoutes } from './routes/dashboard.js'
import { directoryRoutes } from './routes/directory.js'
import { eventRoutes } from './routes/events.js'
import { inboxRoutes } from './routes/inbox.js'
import { conversationRoutes } from './routes/conversations.js'
import { chatRoutes } from './routes/chats.js'
import { contactRoutes } from './routes/contacts.js'
import { profileRoutes } from './routes/profile.js'
import { callRoutes } from './routes/calls.js'
import { groupRoutes } from './routes/groups.js'
import { labelRoutes } from './routes/labels.js'
import { statusRoutes } from './routes/status.js'
import { channelRoutes } from './routes/channels.js'
import { mcpRoutes } from './routes/mcp.js'
import { messageRoutes } from './routes/messages.js'
import { operationsRoutes } from './routes/operations.js'
import websocket from '@fastify/websocket'
import type { TransportHealth } from '../events/destinations.js'
import { sessionRoutes } from './routes/sessions.js'
import { uploadRoutes } from './routes/uploads.js'
import { webhookRoutes, type WebhookRoutesDeps } from './routes/webhooks.js'

/**
 * Helmet's headers (CSP for the dashboard, nosniff, frame and referrer policies) on every answer.
 * Built once: @fastify/helmet rebuilt the middleware, directives and all, on each request, which
 * cost about 4% of the CPU of a send.
 */
function securityHeaders(imageHosts: readonly string[]) {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // Profile pictures come straight from WhatsApp's picture servers.
        imgSrc: ["'self'", 'data:', ...imageHosts],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
    },
  })
}

/** Where WhatsApp serves profile pictures. */
export const WHATSAPP_PICTURE_HOSTS = ['https://*.whatsapp.net']

export interface AppDeps {
  /** Image sources the dashboard may show (profile pictures). */
  pictureHosts: readonly string[]
  logger: Logger
  bodyLimitBytes: number
  maxMediaBytes: number
  http: Config['http']
  metrics: Registry
  databaseReachable: () => Promise<boolean>
  /** How each broker transport is doing (for /health). */
  transports: () => Record<string, TransportHealth>
  sessions: SessionManager
  keys: SessionKeys
  messages: MessageService
  directory: Directory
  inbox: Inbox
  conversations: ConversationService
  chatActions: ChatActionService
  contacts: ContactDirectory
  profiles: ProfileService
  calls: CallService
  groups: GroupService
  labels: LabelService
  status: StatusService
  channels: ChannelService
  webhooks: Omit<WebhookRoutesDeps, 'auth'>
  live: LiveStream
  adminKey: AdminKeyCheck
  dashboardLogins: DashboardSessions
  /** Several nodes: which node answers a session's requests, and the cluster's own route. */
  routing: SessionRouting
  cluster: ClusterView
}

/** The dashboard's files: beside src/ when run from source, beside dist/ when built. */
const WEB_ROOT = ['../../web', '../../../web']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((candidate) => existsSync(candidate))

/** A caller's request id is reused when it is safe to log; otherwise a fresh one is made. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

function requestId(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id']
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
}


export interface RouteEntry {
  method: string
  url: string
}

export interface BuiltApp {
  app: FastifyInstance
  /** Every route the API serves (HEAD twins and the /docs assets left out), for checks against the OpenAPI document. */
  routes: RouteEntry[]
}

export async function buildApp(deps: AppDeps): Promise<BuiltApp> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
    trustProxy: deps.http.trustProxy,
    requestIdHeader: false,
    genReqId: requestId,
    frameworkErrors,
    // Unknown fields where a schema forbids them are refused, not silently dropped.
    ajv: { customOptions: { verbose: true, keywords: ['errorMessage'], removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  // JSON only: anything else is answered 415 rather than parsed as a string.
  app.removeContentTypeParser('text/plain')
  // Clients often send Content-Type: application/json on every request; an empty body then means no body.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined)
    return parseJson(request, body as string, done)
  })
  registerErrorHandling(app)
  const routes: RouteEntry[] = []
  app.addHook('onRoute', (route) => {
    if ((route.schema as { hide?: boolean } | undefined)?.hide) return
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD' && !route.url.startsWith('/docs')) routes.push({ method, url: route.url })
    }
  })
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id)
  })
  const headers = securityHeaders(deps.pictureHosts)
  app.addHook('onRequest', (request, reply, done) => headers(request.raw, reply.raw, (error) => done(error as Error | undefined)))
  if (deps.http.corsOrigins.length > 0) {
    await app.register(cors, { origin: deps.http.corsOrigins, exposedHeaders: ['x-request-id', 'retry-after'] })
  }
  await app.register(rateLimit, {
    max: deps.http.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_request, context) =>
      new DomainError('rate_limited', `Rate limit of ${context.max} requests per minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`, {
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  })
  await app.register(cookie)
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } })
  await registerOpenApi(app)
  const auth = new Authenticator(
    deps.adminKey,
    deps.keys,
    new AuthThrottle(deps.http.authFailureLimit, deps.http.authFailureWindowMs),
    deps.dashboardLogins,
  )
  if (WEB_ROOT) await app.register(staticFiles, { root: WEB_ROOT, prefix: '/', index: 'index.html', cacheControl: true, maxAge: 0 })
  await app.register(dashboardRoutes, { auth, logins: deps.dashboardLogins, secureCookie: deps.http.secureCookie })
  await app.register(operationsRoutes, {
    auth,
    metrics: deps.metrics,
    metricsApiKey: deps.http.metricsApiKey,
    databaseReachable: deps.databaseReachable,
    transports: deps.transports,
    sessionsRestored: () => deps.sessions.isRestored,
  })
  await app.register(sessionRoutes, { sessions: deps.sessions, keys: deps.keys, auth, routing: deps.routing })
  await app.register(messageRoutes, { messages: deps.messages, auth })
  await app.register(directoryRoutes, { directory: deps.directory, auth, routing: deps.routing })
  await app.register(uploadRoutes, { messages: deps.messages, auth, maxFileBytes: deps.maxMediaBytes })
  await app.register(inboxRoutes, { inbox: deps.inbox, auth, routing: deps.routing })
  await app.register(conversationRoutes, { conversations: deps.conversations, chatActions: deps.chatActions, auth, routing: deps.routing })
  await app.register(chatRoutes, { chatActions: deps.chatActions, auth, routing: deps.routing })
  await app.register(contactRoutes, { directory: deps.contacts, auth, routing: deps.routing })
  await app.register(profileRoutes, { profiles: deps.profiles, auth, routing: deps.routing })
  await app.register(callRoutes, { calls: deps.calls, auth, routing: deps.routing })
  await app.register(groupRoutes, { groups: deps.groups, auth, routing: deps.routing })
  await app.register(labelRoutes, { labels: deps.labels, auth, routing: deps.routing })
  await app.register(statusRoutes, { status: deps.status, auth })
  await app.register(channelRoutes, { channels: deps.channels, auth, routing: deps.routing })
  await app.register(clusterRoutes, { cluster: deps.cluster, auth })
  await app.register(webhookRoutes, { ...deps.webhooks, auth })
  await app.register(eventRoutes, { live: deps.live, auth, heartbeatMs: deps.http.eventStreamHeartbeatMs })
  await app.register(mcpRoutes, { auth })
  return { app, routes }
}
