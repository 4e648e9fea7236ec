import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

export const API_VERSION = '2.0.0'

/**
 * The OpenAPI 3.1 document, generated from the route schemas, and a reference page at /docs whose
 * assets ship with the package (no CDN). Registered before the routes so it sees all of them.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'WhatsApp Multi-Session API',
        version: API_VERSION,
        description:
          'Self-hosted WhatsApp HTTP API: many linked accounts (sessions), a durable outbox, signed webhooks and a live event stream. ' +
          'Errors are always `{ "success": false, "error": "..." }`.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'The admin key or a session key' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
          apiKeyQuery: { type: 'apiKey', in: 'query', name: 'apiKey', description: 'Only where a route allows it (GET send, event stream)' },
        },
      },
      tags: [
        { name: 'sessions', description: 'Linked WhatsApp accounts and their lifecycle' },
        { name: 'messages', description: 'Sending and message statuses' },
        { name: 'contacts', description: 'Number checks' },
        { name: 'groups', description: 'Groups a session is in' },
        { name: 'inbox', description: 'Received messages and media' },
        { name: 'webhooks', description: 'Webhooks and their deliveries' },
        { name: 'events', description: 'Live event stream' },
        { name: 'operations', description: 'Health, readiness and metrics' },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { deepLinking: true } })
}
