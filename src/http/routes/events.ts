import type { ServerResponse } from 'node:http'
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { invalidInput } from '../../errors.js'
import { isPublicEventType, OPT_IN_EVENT_TYPES, PUBLIC_EVENT_TYPES, type EventEnvelope, type PublicEventType } from '../../events/envelope.js'
import { type LiveStream, RECENT_EVENTS } from '../../events/live-stream.js'
import type { Authenticator } from '../auth.js'
import { DeviceId, ErrorResponse, KEY_OR_QUERY_SECURITY } from '../schemas.js'

export interface EventRoutesDeps {
  live: LiveStream
  auth: Authenticator
  heartbeatMs: number
}

/** A subscriber that falls this far behind is cut off rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024
/** How long a WebSocket client so far behind has to take its close frame. */
const CLOSE_GRACE_MS = 5_000

const StreamQuery = Type.Object({
  deviceId: Type.Optional(DeviceId),
  types: Type.Optional(Type.String({ maxLength: 500, description: 'Comma-separated event types' })),
  apiKey: Type.Optional(Type.String({ maxLength: 256 })),
})

function parseTypes(value: string | undefined): Set<PublicEventType> | undefined {
  if (value === undefined || value === '') return undefined
  const types = value.split(',').map((type) => type.trim())
  const unknown = types.filter((type) => !isPublicEventType(type))
  if (unknown.length > 0) throw invalidInput(`Unknown event types: ${unknown.join(', ')}; known: ${PUBLIC_EVENT_TYPES.join(', ')}`)
  return new Set(types as PublicEventType[])
}

export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesDeps> = async (app, { live, auth, heartbeatMs }) => {
  // Hijacked responses are outside Fastify's bookkeeping: without this a shutdown would wait for every open stream.
  const open = new Set<ServerResponse>()
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end()
  })

  const filters = `Types: ${PUBLIC_EVENT_TYPES.join(', ')}; without types, every type but ${[...OPT_IN_EVENT_TYPES].join(', ')} (only where named). The admin key sees every session; a session key must name its own deviceId. Credentials are checked again with every keep-alive (EVENT_STREAM_HEARTBEAT_MS): a session key revoked or replaced (or gone with its session) or a dashboard signed out ends the stream.`
  const subscriber = async (request: FastifyRequest<{ Querystring: Static<typeof StreamQuery> }>): Promise<void> => {
    const { deviceId } = request.query
    if (deviceId === undefined) await auth.requireAdmin(request, { query: true })
    else await auth.requireSessionAccess(request, deviceId, { query: true })
    // Checked before a WebSocket upgrade, so a bad filter is a 400 rather than a dropped socket.
    parseTypes(request.query.types)
  }

  /** Streams whose credentials are being checked again; a check still running when the next is due is not doubled. */
  const checking = new WeakSet<FastifyRequest>()
  /** Ends a stream whose credentials were revoked since it opened (a failed check leaves it open: the database may be down). */
  const endUnlessAllowed = (request: FastifyRequest<{ Querystring: Static<typeof StreamQuery> }>, end: () => void): void => {
    if (checking.has(request)) return
    checking.add(request)
    auth.stillAllowed(request, request.query.deviceId)
      .then((allowed) => allowed || end(), () => undefined)
      .finally(() => checking.delete(request))
  }

  app.get('/api/events', {
    schema: {
      summary: 'Live event stream (Server-Sent Events)',
      description: `Each event is an SSE message whose data is the JSON envelope { id, type, deviceId, timestamp, data }. ${filters} A client that reconnects with Last-Event-ID (as EventSource does) first gets the events it missed, of the last ${RECENT_EVENTS} this node saw; when that id is older, a \`gap\` event says so. A connection without Last-Event-ID (or after a gap) starts with an id-only message (\`id: @...\`) giving this node's position, so a client that drops before its first event resumes from there too.`,
      tags: ['events'],
      security: KEY_OR_QUERY_SECURITY,
      querystring: StreamQuery,
      response: { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
    },
    preHandler: subscriber,
  }, async (request, reply) => {
    const types = parseTypes(request.query.types)
    const raw = reply.raw
    reply.hijack()
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    raw.write(': connected\n\n')
    const send = (event: EventEnvelope): void => {
      if (raw.writableLength > MAX_BUFFERED_BYTES) {
        raw.end()
        return
      }
      raw.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
    }
    const filter = { deviceId: request.query.deviceId, types }
    // Replayed and subscribed in one turn: no event can fall between the two.
    const lastEventId = request.headers['last-event-id']
    const missed = typeof lastEventId === 'string' && lastEventId !== '' ? live.since(lastEventId, filter) : undefined
    if (missed !== undefined) {
      for (const event of missed) send(event)
    } else {
      if (typeof lastEventId === 'string' && lastEventId !== '') raw.write(`event: gap\ndata: ${JSON.stringify({ lastEventId })}\n\n`)
      // Where the stream stands, for a client with nothing to resume from: if it drops before its
      // first event, it resumes from here. A client that resumed keeps its event id, which every
      // node of a cluster knows (positions are per node).
      raw.write(`id: ${live.position()}\n\n`)
    }
    const unsubscribe = live.subscribe(filter, send)
    const heartbeat = setInterval(() => {
      raw.write(': ping\n\n')
      endUnlessAllowed(request, () => raw.end())
    }, heartbeatMs)
    open.add(raw)
    raw.on('close', () => {
      clearInterval(heartbeat)
      unsubscribe()
      open.delete(raw)
    })
  })

  // As wsHandler beside a plain handler, not `websocket: true`, which would hide the route from the OpenAPI document.
  app.route({
    method: 'GET',
    url: '/api/events/ws',
    schema: {
      summary: 'Live event stream (WebSocket)',
      description: `Upgrade to a WebSocket: each event is one text message, the JSON envelope { id, type, deviceId, timestamp, data }. ${filters} Same authentication as the SSE stream (Authorization header, or ?apiKey= from a browser). A client that falls 1 MB behind is disconnected (close code 1013). A request without the upgrade gets 426.`,
      tags: ['events'],
      security: KEY_OR_QUERY_SECURITY,
      querystring: StreamQuery,
      response: { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 426: ErrorResponse },
    },
    preHandler: subscriber,
    handler: async (_request, reply) => reply.code(426).header('upgrade', 'websocket').send({ success: false, error: 'Connect with a WebSocket upgrade' }),
    wsHandler: (socket, request) => {
      const types = parseTypes(request.query.types)
      const unsubscribe = live.subscribe({ deviceId: request.query.deviceId, types }, (event) => {
        if (socket.bufferedAmount <= MAX_BUFFERED_BYTES) return socket.send(JSON.stringify(event))
        if (socket.readyState !== socket.OPEN) return
        // The close frame waits behind the megabyte already queued; a client that cannot take even that is cut off.
        socket.close(1013, 'Too far behind; reconnect')
        setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref()
      })
      // A client that has not answered the last ping by the next one is gone.
      let answered = true
      socket.on('pong', () => (answered = true))
      const heartbeat = setInterval(() => {
        if (!answered) return socket.terminate()
        answered = false
        socket.ping()
        endUnlessAllowed(request, () => socket.close(1008, 'Credentials no longer valid'))
      }, heartbeatMs)
      socket.on('close', () => {
        clearInterval(heartbeat)
        unsubscribe()
      })
    },
  })
}
