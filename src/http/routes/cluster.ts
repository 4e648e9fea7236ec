import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Authenticator } from '../auth.js'
import { ErrorResponse, KEY_SECURITY } from '../schemas.js'

export interface ClusterNodeView {
  nodeId: string
  url: string
  startedAt: number
  heartbeatAt: number
  alive: boolean
  self: boolean
  sessions: string[]
}

/** What GET /api/cluster shows: one node alone, or every node sharing the database. */
export interface ClusterView {
  mode: 'single' | 'cluster'
  nodes(): Promise<ClusterNodeView[]>
}

export interface ClusterRoutesDeps {
  cluster: ClusterView
  auth: Authenticator
}

const NodeSchema = Type.Object({
  nodeId: Type.String(),
  url: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  lastHeartbeatAt: Type.String({ format: 'date-time' }),
  alive: Type.Boolean({ description: 'Its heartbeat is more recent than one lease' }),
  self: Type.Boolean({ description: 'The node answering this request' }),
  sessionCount: Type.Integer(),
  sessions: Type.Array(Type.String(), { description: 'Sessions whose lease it holds' }),
})

export const clusterRoutes: FastifyPluginAsyncTypebox<ClusterRoutesDeps> = async (app, { cluster, auth }) => {
  app.get('/api/cluster', {
    schema: {
      summary: 'The nodes sharing this database, their health and the sessions each runs (admin)',
      tags: ['operations'],
      security: KEY_SECURITY,
      response: {
        200: Type.Object({ success: Type.Literal(true), mode: Type.Union([Type.Literal('single'), Type.Literal('cluster')]), nodes: Type.Array(NodeSchema) }),
        401: ErrorResponse,
        403: ErrorResponse,
        429: ErrorResponse,
      },
    },
    onRequest: async (request) => auth.requireAdmin(request),
  }, async () => ({
    success: true as const,
    mode: cluster.mode,
    nodes: (await cluster.nodes()).map((node) => ({
      nodeId: node.nodeId,
      url: node.url,
      startedAt: new Date(node.startedAt).toISOString(),
      lastHeartbeatAt: new Date(node.heartbeatAt).toISOString(),
      alive: node.alive,
      self: node.self,
      sessionCount: node.sessions.length,
      sessions: node.sessions,
    })),
  }))
}
