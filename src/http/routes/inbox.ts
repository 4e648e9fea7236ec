import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Inbox } from '../../messaging/inbox.js'
import type { Authenticator } from '../auth.js'
import { type SessionRouting, toSessionNode } from '../session-routing.js'
import { DeviceId, DeviceIdParams, ErrorResponse, KEY_SECURITY } from '../schemas.js'

export interface InboxRoutesDeps {
  inbox: Inbox
  auth: Authenticator
  routing: SessionRouting
}

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse }

/** RFC 6266 filename parameter, ASCII fallback plus the UTF-8 form. */
function contentDisposition(fileName: string | null): string {
  if (!fileName) return 'attachment'
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
}

export const inboxRoutes: FastifyPluginAsyncTypebox<InboxRoutesDeps> = async (app, { inbox, auth, routing }) => {
  app.get('/api/sessions/:deviceId/chats', {
    schema: {
      summary: 'Chats with received messages, most recent first',
      tags: ['inbox'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }),
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          chats: Type.Array(Type.Object({
            chat: Type.String(),
            messages: Type.Integer(),
            unread: Type.Integer({ description: 'Received messages not marked read yet (POST .../chats/:chat/read)' }),
            lastMessageAt: Type.String({ format: 'date-time' }),
          })),
        }),
        ...errors,
      },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.params.deviceId),
  }, async (request) => ({
    success: true as const,
    chats: (await inbox.chats(request.params.deviceId, request.query.limit ?? 100)).map((chat) => ({
      chat: chat.chat,
      messages: chat.messages,
      unread: chat.unread,
      lastMessageAt: new Date(chat.lastTimestamp).toISOString(),
    })),
  }))

  app.get('/api/sessions/:deviceId/chats/:chat/messages', {
    schema: {
      summary: 'Both sides of one chat, newest first (page with ?before=): received, typed on the phone (sentBy device), sent through the API (sentBy api)',
      tags: ['inbox'],
      security: KEY_SECURITY,
      params: Type.Object({ deviceId: DeviceId, chat: Type.String({ minLength: 1, maxLength: 128, description: 'Phone number or JID' }) }),
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
        before: Type.Optional(Type.String({ format: 'date-time', description: 'Only messages sent before this time' })),
      }),
      response: { 200: Type.Object({ success: Type.Literal(true), messages: Type.Array(Type.Record(Type.String(), Type.Unknown())) }), ...errors },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.params.deviceId),
  }, async (request) => {
    const { deviceId, chat } = request.params
    const before = request.query.before === undefined ? undefined : Date.parse(request.query.before)
    const messages = await inbox.messages(deviceId, chat, request.query.limit ?? 50, before)
    return {
      success: true as const,
      messages: messages.map((message) => ({
        ...message,
        timestamp: new Date(message.timestamp).toISOString(),
        readAt: message.readAt === null ? null : new Date(message.readAt).toISOString(),
      })),
    }
  })

  app.get('/api/sessions/:deviceId/messages/:messageId/media', {
    schema: {
      summary: 'Download the media of a received message (streamed)',
      tags: ['inbox'],
      security: KEY_SECURITY,
      params: Type.Object({ deviceId: DeviceId, messageId: Type.String({ minLength: 1, maxLength: 128 }) }),
      produces: ['application/octet-stream'],
      response: { 200: Type.Unknown({ description: 'The file, with its content type' }), ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), toSessionNode(routing)],
  }, async (request, reply) => {
    const media = await inbox.media(request.params.deviceId, request.params.messageId)
    return reply
      .header('content-type', media.mimetype)
      .header('content-disposition', contentDisposition(media.fileName))
      .header('x-content-type-options', 'nosniff')
      .send(media.stream)
  })
}
