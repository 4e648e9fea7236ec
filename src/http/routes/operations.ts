import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Registry } from 'prom-client'
import type { Authenticator } from '../auth.js'

export interface OperationsRoutesDeps {
  auth: Authenticator
  metrics: Registry
  metricsApiKey: string | undefined
  /** Whether the database answers. */
  databaseReachable: () => Promise<boolean>
  /** Whether sessions have been restored after start-up. */
  sessionsRestored: () => boolean
}

const Status = Type.Object({ status: Type.String(), checks: Type.Optional(Type.Record(Type.String(), Type.Boolean())) })

export const operationsRoutes: FastifyPluginAsyncTypebox<OperationsRoutesDeps> = async (app, deps) => {
  app.get('/health', {
    schema: { summary: 'Liveness: the process answers', tags: ['operations'], response: { 200: Status } },
    config: { rateLimit: false },
  }, async () => ({ status: 'ok' }))

  app.get('/ready', {
    schema: { summary: 'Readiness: the database answers and sessions are restored', tags: ['operations'], response: { 200: Status, 503: Status } },
    config: { rateLimit: false },
  }, async (_request, reply) => {
    const checks = { database: await deps.databaseReachable(), sessionsRestored: deps.sessionsRestored() }
    const ready = checks.database && checks.sessionsRestored
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks })
  })

  app.get('/metrics', {
    schema: {
      summary: 'Prometheus metrics (needs METRICS_API_KEY or the admin key when METRICS_API_KEY is set)',
      tags: ['operations'],
      produces: ['text/plain'],
      response: { 200: Type.String() },
    },
    config: { rateLimit: false },
    onRequest: async (request) => {
      if (deps.metricsApiKey !== undefined) await deps.auth.requireAdminOr(request, deps.metricsApiKey)
    },
  }, async (_request, reply) => reply.header('content-type', deps.metrics.contentType).send(await deps.metrics.metrics()))
}
