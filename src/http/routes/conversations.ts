import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ChatActionService } from '../../messaging/chat-actions.js'
import { type ConversationService, MAX_READ_PER_REQUEST } from '../../messaging/conversations.js'
import type { Authenticator } from '../auth.js'
import { type SessionRouting, toSessionNode } from '../session-routing.js'
import { ChatParams, DeviceId, Done, ErrorResponse, KEY_SECURITY } from '../schemas.js'

export interface ConversationRoutesDeps {
  conversations: ConversationService
  chatActions: ChatActionService
  auth: Authenticator
  routing: SessionRouting
}

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse }
const Contact = Type.String({ minLength: 1, maxLength: 128, description: 'Phone number or user JID (@s.whatsapp.net, @lid)', examples: ['+1 555 123 4567'] })

export const conversationRoutes: FastifyPluginAsyncTypebox<ConversationRoutesDeps> = async (app, { conversations, chatActions, auth, routing }) => {
  const onSessionNode = toSessionNode(routing)

  app.post('/api/sessions/:deviceId/chats/:chat/read', {
    schema: {
      summary: 'Mark received messages of a chat read: sends read receipts (blue ticks) to their senders; reading the whole chat also ends a "mark as unread"',
      description: `With messageIds, those messages (received messages of this chat); without a body, every unread received message of the chat (up to ${MAX_READ_PER_REQUEST}).`,
      tags: ['conversations'],
      security: KEY_SECURITY,
      params: ChatParams,
      body: Type.Object({
        messageIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: MAX_READ_PER_REQUEST })),
      }, { additionalProperties: false, examples: [{ messageIds: ['3EB0C767D26A1B9C1A37'] }] }),
      response: { 200: Type.Object({ success: Type.Literal(true), read: Type.Integer({ description: 'Messages marked read' }) }), ...errors },
    },
    // No body at all means "everything unread", as an empty object does.
    preValidation: async (request) => {
      request.body ??= {}
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => {
    const { deviceId, chat } = request.params
    const read = await conversations.markRead(deviceId, chat, request.body.messageIds)
    // The whole chat read: a "mark as unread" on it is over too.
    if (request.body.messageIds === undefined) await chatActions.clearMarkedUnread(deviceId, chat)
    return { success: true as const, read }
  })

  app.post('/api/sessions/:deviceId/chats/:chat/presence', {
    config: { scopes: ['send', 'manage'] },
    schema: {
      summary: 'Show typing, recording a voice note, or stop, in one chat',
      tags: ['conversations'],
      security: KEY_SECURITY,
      params: ChatParams,
      body: Type.Object({ state: Type.Union([Type.Literal('typing'), Type.Literal('recording'), Type.Literal('paused')]) }, { examples: [{ state: 'typing' }] }),
      response: { 200: Done, ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => {
    await conversations.setChatPresence(request.params.deviceId, request.params.chat, request.body.state)
    return { success: true as const }
  })

  app.post('/api/sessions/:deviceId/presence', {
    schema: {
      summary: 'Set the account online or offline (offline: the phone keeps getting notifications)',
      tags: ['conversations'],
      security: KEY_SECURITY,
      params: Type.Object({ deviceId: DeviceId }),
      body: Type.Object({ state: Type.Union([Type.Literal('online'), Type.Literal('offline')]) }, { examples: [{ state: 'online' }] }),
      response: { 200: Done, ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => {
    await conversations.setPresence(request.params.deviceId, request.body.state)
    return { success: true as const }
  })

  app.post('/api/sessions/:deviceId/contacts/:contact/presence/subscribe', {
    schema: {
      summary: 'Follow a contact\'s presence: presence.update events (online, last seen, typing) flow from now on',
      tags: ['conversations'],
      security: KEY_SECURITY,
      params: Type.Object({ deviceId: DeviceId, contact: Contact }),
      response: { 200: Type.Object({ success: Type.Literal(true), jid: Type.String() }), ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({
    success: true as const,
    jid: await conversations.subscribePresence(request.params.deviceId, request.params.contact),
  }))
}
