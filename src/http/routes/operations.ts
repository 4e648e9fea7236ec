import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Registry } from 'prom-client'
import type { Authenticator } from '../auth.js'
import type { TransportHealth } from '../../events/destinations.js'

export interface OperationsRoutesDeps {
  auth: Authenticator
  metrics: Registry
  metricsApiKey: string | undefined
  /** Whether the database answers. */
  databaseReachable: () => Promise<boolean>
  /** Whether sessions have been restored after start-up. */
  sessionsRestored: () => boolean
  /** How each broker transport is doing. */
  transports: () => Record<string, TransportHealth>
}

const Status = Type.Object({ status: Type.String(), checks: Type.Optional(Type.Record(Type.String(), Type.Boolean())) })
const Health = Type.Object({
  status: Type.String(),
  transports: Type.Optional(Type.Record(Type.String(), Type.Object({
    healthy: Type.Boolean({ description: 'Whether its last publish was confirmed' }),
    failures: Type.Integer({ description: 'Failed publishes since start (each retried; the log says why)' }),
  }), { description: 'Broker transports, when any is configured: an outage is retried, never the API\'s outage' })),
})

export const operationsRoutes: FastifyPluginAsyncTypebox<OperationsRoutesDeps> = async (app, deps) => {
  app.get('/health', {
    schema: { summary: 'Liveness: the process answers (and how the broker transports are doing)', tags: ['operations'], response: { 200: Health } },
    config: { rateLimit: false },
  }, async () => {
    // Public: whether each broker takes events, not where it is or what it said (the log has that).
    const transports = deps.transports()
    return Object.keys(transports).length > 0 ? { status: 'ok', transports } : { status: 'ok' }
  })

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
