import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Inbox } from '../../messaging/inbox.js'
import type { Authenticator } from '../auth.js'
import { type SessionRouting, toSessionNode } from '../session-routing.js'
import { ChatParams, DeviceId, DeviceIdParams, ErrorResponse, KEY_SECURITY } from '../schemas.js'
import { mutedUntilView } from '../../messaging/chat-update.js'
import type { ChatMessage } from '../../messaging/chat-message.js'
import { chatKind } from '../../messaging/chat-kind.js'
import { isoOrNull } from '../../time.js'

export interface InboxRoutesDeps {
  inbox: Inbox
  auth: Authenticator
  routing: SessionRouting
}

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse }

const ChatMessageSchema = Type.Record(Type.String(), Type.Unknown(), {
  title: 'ChatMessage',
  description: 'A message as in message.received, plus sentBy (null, device, api), status, readAt and starred',
})

/** A chat message with its times as ISO strings. */
function chatMessageView(message: ChatMessage): Record<string, unknown> {
  return {
    ...message,
    timestamp: new Date(message.timestamp).toISOString(),
    readAt: isoOrNull(message.readAt),
  }
}

/** RFC 6266 filename parameter, ASCII fallback plus the UTF-8 form. */
function contentDisposition(fileName: string | null): string {
  if (!fileName) return 'attachment'
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
}

export const inboxRoutes: FastifyPluginAsyncTypebox<InboxRoutesDeps> = async (app, { inbox, auth, routing }) => {
  app.get('/api/sessions/:deviceId/chats', {
    schema: {
      summary: 'The chat list: pinned first, then most recent; from history sync and live traffic, both sides',
      tags: ['inbox'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }),
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          chats: Type.Array(Type.Object({
            jid: Type.String(),
            chat: Type.String({ description: 'Same as jid (kept for earlier clients)' }),
            name: Type.Union([Type.String(), Type.Null()], { description: 'Group subject or address-book name, else the contact\'s push name' }),
            isGroup: Type.Boolean(),
            isChannel: Type.Boolean({ description: 'A channel (newsletter) the account follows or runs' }),
            unread: Type.Integer({ description: 'Received messages not marked read yet (POST .../chats/:chat/read)' }),
            markedUnread: Type.Boolean({ description: 'Marked unread by hand (POST .../unread or on the phone)' }),
            archived: Type.Boolean(),
            pinned: Type.Boolean(),
            mutedUntil: Type.Union([Type.String(), Type.Null()], { description: 'ISO time, "forever", or null' }),
            lastMessageAt: Type.String({ format: 'date-time' }),
            lastMessage: Type.Union([ChatMessageSchema, Type.Null()]),
          })),
        }, {
          examples: [{
            success: true,
            chats: [{
              jid: '15551234567@s.whatsapp.net', chat: '15551234567@s.whatsapp.net', name: 'Ana', isGroup: false, isChannel: false, unread: 2, markedUnread: false,
              archived: false, pinned: true, mutedUntil: null, lastMessageAt: '2026-12-03T09:30:00.000Z',
              lastMessage: { id: '3EB0C767D26A1B9C1A37', type: 'text', text: 'See you tomorrow', fromMe: false, sentBy: null, timestamp: '2026-12-03T09:30:00.000Z' },
            }],
          }],
        }),
        ...errors,
      },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.params.deviceId),
  }, async (request) => ({
    success: true as const,
    chats: (await inbox.chats(request.params.deviceId, request.query.limit ?? 100)).map((chat) => ({
      jid: chat.jid,
      chat: chat.jid,
      name: chat.displayName,
      isGroup: chatKind(chat.jid) === 'group',
      isChannel: chatKind(chat.jid) === 'channel',
      unread: chat.unread,
      markedUnread: chat.markedUnread,
      archived: chat.archived,
      pinned: chat.pinnedAt > 0,
      mutedUntil: mutedUntilView(chat.mutedUntil),
      lastMessageAt: new Date(chat.lastActivity).toISOString(),
      lastMessage: chat.lastMessage && chatMessageView(chat.lastMessage),
    })),
  }))

  app.get('/api/sessions/:deviceId/chats/:chat/messages', {
    schema: {
      summary: 'Both sides of one chat, newest first (page with ?before=): received, typed on the phone (sentBy device), sent through the API (sentBy api)',
      tags: ['inbox'],
      security: KEY_SECURITY,
      params: ChatParams,
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
        before: Type.Optional(Type.String({ format: 'date-time', description: 'Only messages sent before this time' })),
      }),
      response: { 200: Type.Object({ success: Type.Literal(true), messages: Type.Array(ChatMessageSchema) }), ...errors },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.params.deviceId),
  }, async (request) => {
    const { deviceId, chat } = request.params
    const before = request.query.before === undefined ? undefined : Date.parse(request.query.before)
    const messages = await inbox.messages(deviceId, chat, request.query.limit ?? 50, before)
    return { success: true as const, messages: messages.map(chatMessageView) }
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
