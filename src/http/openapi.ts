import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { ErrorResponse } from './schemas.js'

export const API_VERSION = '2.0.0'

/** What any API route can answer, whatever it does: the rate limits, and a database that fails. */
const ANSWERS_OF_EVERY_ROUTE: Record<string, string> = {
  '429': 'Too many requests, or too many failed authentications with this key; Retry-After says when to try again',
  '503': 'The database is unavailable (Retry-After says when to try again), or, where the route says so, WhatsApp',
  '507': 'The database cannot store anything: its disk is full (Retry-After says when to try again)',
}

/** What any route that reads a request body can answer (Fastify reads none for GET). */
const ANSWERS_OF_EVERY_BODY: Record<string, string> = {
  '413': 'The request body is larger than BODY_LIMIT_BYTES',
}
const METHODS_WITH_BODIES = new Set(['post', 'put', 'patch', 'delete'])

type Operations = Record<string, { responses?: Record<string, unknown> }>
interface Document {
  paths?: Record<string, Operations>
  components?: { schemas?: Record<string, object> }
}

const ERROR_SCHEMA_NAME = 'Error'
const SCHEMA_NAME = /^[A-Z][A-Za-z0-9]*$/
/** Keys whose values are sample data, not schemas: a "title" in an example is not a name. */
const SAMPLE_KEYS = new Set(['example', 'examples', 'default', 'const', 'enum'])

/**
 * Moves every schema with a title into components.schemas and refers to it by that name: the
 * document shrinks (the error shape alone was repeated 800 times) and generated clients get named
 * types. Two different schemas under one title are a programming error, refused at start.
 */
function withNamedSchemas<T extends Document>(document: T): T {
  const named = ((document.components ??= {}).schemas ??= {})
  const definitions = new Map<string, string>()
  const hoist = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(hoist)
    if (value === null || typeof value !== 'object') return value
    const copy: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value)) copy[key] = SAMPLE_KEYS.has(key) ? inner : hoist(inner)
    const title = copy.title
    if (typeof title !== 'string' || !SCHEMA_NAME.test(title)) return copy
    const definition = JSON.stringify(copy)
    const known = definitions.get(title)
    if (known === undefined) {
      definitions.set(title, definition)
      named[title] = copy
    } else if (known !== definition) {
      throw new Error(`Two different OpenAPI schemas are titled ${title}`)
    }
    return { $ref: `#/components/schemas/${title}` }
  }
  document.paths = hoist(document.paths ?? {}) as Record<string, Operations>
  return document
}

/** Adds the answers every route can give to each /api operation that does not describe them itself. */
function withAnswersOfEveryRoute<T extends Document>(document: T): T {
  const errorSchema = { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` }
  ;((document.components ??= {}).schemas ??= {})[ERROR_SCHEMA_NAME] ??= ErrorResponse
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith('/api/')) continue
    for (const [method, operation] of Object.entries(operations)) {
      const responses = (operation.responses ??= {})
      const answers = METHODS_WITH_BODIES.has(method) ? { ...ANSWERS_OF_EVERY_ROUTE, ...ANSWERS_OF_EVERY_BODY } : ANSWERS_OF_EVERY_ROUTE
      for (const [status, description] of Object.entries(answers)) {
        responses[status] ??= { description, content: { 'application/json': { schema: errorSchema } } }
      }
    }
  }
  return document
}

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
        { name: 'contacts', description: 'Number checks, contacts, LIDs and blocking' },
        { name: 'profile', description: 'The account\'s own name, "about", picture and privacy settings' },
        { name: 'groups', description: 'Groups: create, read, change settings and members, invites, join requests, leave' },
        { name: 'inbox', description: 'Chats, both sides of each, and received media' },
        { name: 'chats', description: 'Chat settings shared with the phone: archive, pin, mute, unread, delete, star' },
        { name: 'conversations', description: 'Read receipts, typing and presence' },
        { name: 'calls', description: 'Incoming calls: rejecting one' },
        { name: 'status', description: 'Status updates (stories): posting and removing them' },
        { name: 'channels', description: 'Channels (newsletters): looking up, creating, following, muting' },
        { name: 'labels', description: 'WhatsApp Business labels and which chats carry them' },
        { name: 'webhooks', description: 'Webhooks and their deliveries' },
        { name: 'events', description: 'Live event stream' },
        { name: 'operations', description: 'Health, readiness and metrics' },
      ],
    },
    transformObject: (documentObject) =>
      'openapiObject' in documentObject
        ? withAnswersOfEveryRoute(withNamedSchemas(documentObject.openapiObject as Document))
        : documentObject.swaggerObject,
  })
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { deepLinking: true } })
  // The document is built on first request otherwise: a schema naming conflict must stop the start instead.
  app.addHook('onReady', async () => void app.swagger())
}
