import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { LiveStream } from '../events/live-stream.js'
import type { Directory } from '../messaging/directory.js'
import type { Inbox } from '../messaging/inbox.js'
import type { MessageService } from '../messaging/message-service.js'
import type { SessionKeys } from '../sessions/session-keys.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { AdminKeyCheck } from '../security/admin-key.js'
import { Authenticator } from './auth.js'
import { frameworkErrors, registerErrorHandling } from './error-handler.js'
import { directoryRoutes } from './routes/directory.js'
import { eventRoutes } from './routes/events.js'
import { inboxRoutes } from './routes/inbox.js'
import { messageRoutes } from './routes/messages.js'
import { sessionRoutes } from './routes/sessions.js'
import { uploadRoutes } from './routes/uploads.js'
import { webhookRoutes, type WebhookRoutesDeps } from './routes/webhooks.js'

export interface AppDeps {
  logger: Logger
  bodyLimitBytes: number
  maxMediaBytes: number
  sessions: SessionManager
  keys: SessionKeys
  messages: MessageService
  directory: Directory
  inbox: Inbox
  webhooks: Omit<WebhookRoutesDeps, 'auth'>
  live: LiveStream
  adminKey: AdminKeyCheck
}

/** Proxies drop idle connections; a comment line this often keeps the event stream open. */
const EVENT_STREAM_HEARTBEAT_MS = 25_000

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
    frameworkErrors,
    ajv: { customOptions: { verbose: true, keywords: ['errorMessage'] } },
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
  const auth = new Authenticator(deps.adminKey, deps.keys)
  await app.register(sessionRoutes, { sessions: deps.sessions, keys: deps.keys, auth })
  await app.register(messageRoutes, { messages: deps.messages, auth })
  await app.register(directoryRoutes, { directory: deps.directory, auth })
  await app.register(uploadRoutes, { messages: deps.messages, auth, maxFileBytes: deps.maxMediaBytes })
  await app.register(inboxRoutes, { inbox: deps.inbox, auth })
  await app.register(webhookRoutes, { ...deps.webhooks, auth })
  await app.register(eventRoutes, { live: deps.live, auth, heartbeatMs: EVENT_STREAM_HEARTBEAT_MS })
  return app
}
