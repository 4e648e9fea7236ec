import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { type ChatActionService, MAX_MUTE_SECONDS } from '../../messaging/chat-actions.js'
import type { Authenticator } from '../auth.js'
import { type SessionRouting, toSessionNode } from '../session-routing.js'
import { Chat, ChatParams, DeviceId, Done, ErrorResponse, KEY_SECURITY } from '../schemas.js'

export interface ChatRoutesDeps {
  chatActions: ChatActionService
  auth: Authenticator
  routing: SessionRouting
}

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse }
const MessageParams = Type.Object({ deviceId: DeviceId, chat: Chat, messageId: Type.String({ minLength: 1, maxLength: 128 }) })

type Action = (service: ChatActionService, deviceId: string, chat: string) => Promise<void>

/** Body-less chat actions: path, summary, what it does. */
const ACTIONS: Array<[string, string, Action]> = [
  ['archive', 'Archive the chat', (service, deviceId, chat) => service.archive(deviceId, chat, true)],
  ['unarchive', 'Take the chat out of the archive', (service, deviceId, chat) => service.archive(deviceId, chat, false)],
  ['pin', 'Pin the chat to the top of the list (WhatsApp allows three)', (service, deviceId, chat) => service.pin(deviceId, chat, true)],
  ['unpin', 'Unpin the chat', (service, deviceId, chat) => service.pin(deviceId, chat, false)],
  ['unmute', 'Unmute the chat', (service, deviceId, chat) => service.mute(deviceId, chat, null)],
  ['unread', 'Mark the chat unread (a reminder; no receipt is sent)', (service, deviceId, chat) => service.markUnread(deviceId, chat)],
]

/**
 * Chat settings, shared with every device of the account through WhatsApp's app state: the phone
 * shows them too, and changes made on the phone arrive as chat.updated events.
 */
export const chatRoutes: FastifyPluginAsyncTypebox<ChatRoutesDeps> = async (app, { chatActions, auth, routing }) => {
  const onSessionNode = toSessionNode(routing)

  for (const [action, summary, run] of ACTIONS) {
    app.post(`/api/sessions/:deviceId/chats/:chat/${action}`, {
      schema: { summary, tags: ['chats'], security: KEY_SECURITY, params: ChatParams, response: { 200: Done, ...errors } },
      preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
    }, async (request) => {
      await run(chatActions, request.params.deviceId, request.params.chat)
      return { success: true as const }
    })
  }

  app.post('/api/sessions/:deviceId/chats/:chat/mute', {
    schema: {
      summary: 'Mute the chat\'s notifications, for a while or for good',
      tags: ['chats'],
      security: KEY_SECURITY,
      params: ChatParams,
      body: Type.Object({
        seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MUTE_SECONDS, description: 'How long; without it, muted for good' })),
      }, { additionalProperties: false, examples: [{ seconds: 28800 }, {}] }),
      response: { 200: Done, ...errors },
    },
    preValidation: async (request) => {
      request.body ??= {}
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => {
    await chatActions.mute(request.params.deviceId, request.params.chat, request.body.seconds)
    return { success: true as const }
  })

  app.delete('/api/sessions/:deviceId/chats/:chat', {
    schema: {
      summary: 'Delete the chat on every device of the account: its stored messages are gone from this API too',
      tags: ['chats'],
      security: KEY_SECURITY,
      params: ChatParams,
      response: { 200: Done, ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => {
    await chatActions.delete(request.params.deviceId, request.params.chat)
    return { success: true as const }
  })

  app.post('/api/sessions/:deviceId/chats/:chat/messages/:messageId/star', {
    schema: {
      summary: 'Star a message of the chat (or unstar it with { "starred": false })',
      tags: ['chats'],
      security: KEY_SECURITY,
      params: MessageParams,
      body: Type.Object({ starred: Type.Optional(Type.Boolean({ default: true })) }, { additionalProperties: false, examples: [{ starred: true }] }),
      response: { 200: Done, ...errors },
    },
    preValidation: async (request) => {
      request.body ??= {}
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => {
    const { deviceId, chat, messageId } = request.params
    await chatActions.star(deviceId, chat, messageId, request.body.starred ?? true)
    return { success: true as const }
  })

  app.delete('/api/sessions/:deviceId/chats/:chat/messages/:messageId', {
    schema: {
      summary: 'Delete a message for this account only (on all its devices); to delete it for everyone, send { "type": "delete" }',
      tags: ['chats'],
      security: KEY_SECURITY,
      params: MessageParams,
      response: { 200: Done, ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => {
    const { deviceId, chat, messageId } = request.params
    await chatActions.deleteForMe(deviceId, chat, messageId)
    return { success: true as const }
  })
}
