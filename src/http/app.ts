import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Directory } from '../messaging/directory.js'
import type { MessageService } from '../messaging/message-service.js'
import type { SessionKeys } from '../sessions/session-keys.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { AdminKeyCheck } from '../security/admin-key.js'
import { Authenticator } from './auth.js'
import { frameworkErrors, registerErrorHandling } from './error-handler.js'
import { directoryRoutes } from './routes/directory.js'
import { messageRoutes } from './routes/messages.js'
import { sessionRoutes } from './routes/sessions.js'
import { uploadRoutes } from './routes/uploads.js'

export interface AppDeps {
  logger: Logger
  bodyLimitBytes: number
  maxMediaBytes: number
  sessions: SessionManager
  keys: SessionKeys
  messages: MessageService
  directory: Directory
  adminKey: AdminKeyCheck
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
    frameworkErrors,
    ajv: { customOptions: { verbose: true, keywords: ['errorMessage'] } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  // JSON only: anything else is answered 415 rather than parsed as a string.
  app.removeContentTypeParser('text/plain')
  registerErrorHandling(app)
  const auth = new Authenticator(deps.adminKey, deps.keys)
  await app.register(sessionRoutes, { sessions: deps.sessions, keys: deps.keys, auth })
  await app.register(messageRoutes, { messages: deps.messages, auth })
  await app.register(directoryRoutes, { directory: deps.directory, auth })
  await app.register(uploadRoutes, { messages: deps.messages, auth, maxFileBytes: deps.maxMediaBytes })
  return app
}
