import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { invalidInput } from '../../errors.js'
import { MAX_TYPING_MS } from '../../messaging/typing.js'
import { MAX_MENTIONS } from '../../messaging/mentions.js'
import type { MessageService, SendOutcome } from '../../messaging/message-service.js'
import type { Authenticator } from '../auth.js'
import { DeviceId, ErrorResponse, KEY_OR_QUERY_SECURITY } from '../schemas.js'

export interface MessageRoutesDeps {
  messages: MessageService
  auth: Authenticator
}

export const Text = (maxLength: number, description?: string) => Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) })

export const Media = (extra: Record<string, ReturnType<typeof Type.Optional>> = {}) =>
  Type.Object({
    url: Type.Optional(Type.String({ maxLength: 2048, description: 'An https URL to fetch the file from' })),
    base64: Type.Optional(Type.String({ description: 'The file itself, base64 (a data: URL prefix is accepted)' })),
    mimetype: Type.Optional(Type.String({ maxLength: 255 })),
    fileName: Type.Optional(Type.String({ maxLength: 255 })),
    ...extra,
  })

const MessageRef = {
  messageId: Text(128, 'Id of the message this refers to'),
  fromMe: Type.Optional(Type.Boolean({ description: 'Sent by this session; looked up when omitted' })),
  participant: Type.Optional(Text(128, 'In groups: the sender of the referenced message')),
}

export const Caption = Type.Optional(Type.String({ maxLength: 4096 }))

const SendBody = Type.Object({
  deviceId: DeviceId,
  number: Text(128, 'Phone number with country code, or a JID (@s.whatsapp.net, @g.us, @lid, or @newsletter for a channel this account owns)'),
  message: Type.Optional(Type.String({ maxLength: 65_536, description: 'Text to send (the seed field)', examples: ['Hello from API!'] })),
  linkPreview: Type.Optional(Type.Boolean({ default: false })),
  image: Type.Optional(Media({ caption: Caption })),
  video: Type.Optional(Media({ caption: Caption, gif: Type.Optional(Type.Boolean()) })),
  audio: Type.Optional(Media({ voice: Type.Optional(Type.Boolean({ description: 'Send as a voice note (push-to-talk)' })) })),
  document: Type.Optional(Media({ caption: Caption })),
  sticker: Type.Optional(Media()),
  location: Type.Optional(Type.Object({
    latitude: Type.Number({ minimum: -90, maximum: 90 }),
    longitude: Type.Number({ minimum: -180, maximum: 180 }),
    name: Type.Optional(Type.String({ maxLength: 256 })),
    address: Type.Optional(Type.String({ maxLength: 512 })),
  })),
  contacts: Type.Optional(Type.Array(Type.Object({
    name: Text(256),
    phoneNumber: Type.String({ pattern: '^\\+?[0-9][0-9 ().-]{4,30}$' }),
  }), { maxItems: 50 })),
  reaction: Type.Optional(Type.Object({ ...MessageRef, emoji: Type.String({ maxLength: 32, description: 'Empty removes the reaction' }) })),
  poll: Type.Optional(Type.Object({
    name: Text(256),
    options: Type.Array(Text(100), { minItems: 2, maxItems: 12 }),
    selectableCount: Type.Optional(Type.Integer({ minimum: 0, maximum: 12, description: '0 allows any number of choices' })),
  })),
  edit: Type.Optional(Type.Object({ ...MessageRef, text: Text(65_536) })),
  delete: Type.Optional(Type.Object(MessageRef)),
  forward: Type.Optional(Type.Object({
    messageId: Text(128),
  }, { description: 'Forward a message this session stored (received, typed on the phone, or sent through the API)' })),
  replyTo: Type.Optional(Type.Union([Text(128), Type.Object(MessageRef)])),
  typingMs: Type.Optional(Type.Integer({
    minimum: 0,
    maximum: MAX_TYPING_MS,
    description: 'Show typing (recording, for a voice note) this long before the message goes out; queued messages too, one after another',
  })),
  mentions: Type.Optional(Type.Array(Text(128), {
    maxItems: MAX_MENTIONS,
    description: 'In groups: people to @mention (numbers or JIDs); "@<number>" is appended to the text for those it does not already name',
  })),
  mentionAll: Type.Optional(Type.Boolean({ description: 'In groups: notify every member as mentioned, without naming them in the text' })),
  queue: Type.Optional(Type.Boolean({ description: 'Answer 202 at once; the outbox sends when the session is connected' })),
  idempotencyKey: Type.Optional(Text(200)),
}, { title: 'SendMessageRequest' })

const SendQuery = Type.Object({
  deviceId: DeviceId,
  number: Text(128),
  message: Type.String({ minLength: 1, maxLength: 65_536 }),
  apiKey: Type.Optional(Type.String({ maxLength: 256 })),
  queue: Type.Optional(Type.Boolean()),
  idempotencyKey: Type.Optional(Text(200)),
})

export const SentResponse = Type.Object({
  success: Type.Literal(true),
  status: Type.Literal('sent'),
  to: Type.String(),
  message: Type.Optional(Type.String()),
  messageId: Type.String(),
  type: Type.String(),
}, { title: 'SentMessage' })

export const QueuedResponse = Type.Object({
  success: Type.Literal(true),
  status: Type.String({ description: 'queued, or later when an earlier request with this idempotency key got further' }),
  to: Type.String(),
  messageId: Type.String(),
  type: Type.String(),
}, { title: 'QueuedMessage' })

const MessageResponse = Type.Object({
  success: Type.Literal(true),
  messageId: Type.String(),
  deviceId: Type.String(),
  to: Type.String(),
  type: Type.String(),
  status: Type.String(),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

export const SEND_ERRORS = {
  400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse,
  409: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse, 504: ErrorResponse, 507: ErrorResponse,
}

/** The Idempotency-Key header, or the idempotencyKey field. */
export function idempotencyKey(request: FastifyRequest, fromBody: string | undefined): string | undefined {
  const header = request.headers['idempotency-key']
  if (header === undefined) return fromBody
  if (typeof header !== 'string' || header.length === 0 || header.length > 200) {
    throw invalidInput('Idempotency-Key must be 1 to 200 characters')
  }
  return header
}

/** The seed's answer in synchronous mode, or the queued message. */
export function sendReply(outcome: SendOutcome, queued: boolean, text: string | undefined) {
  const { record, to } = outcome
  if (queued) return { success: true as const, status: record.status, to, messageId: record.id, type: record.type }
  return { success: true as const, status: 'sent' as const, to, ...(text !== undefined ? { message: text } : {}), messageId: record.id, type: record.type }
}

export const messageRoutes: FastifyPluginAsyncTypebox<MessageRoutesDeps> = async (app, { messages, auth }) => {
  app.post('/api/messages/send', {
    config: { scopes: ['send'] },
    schema: {
      summary: 'Send a message (session key or admin key)',
      description: 'Give exactly one kind of content. Synchronous by default (answers once WhatsApp acknowledged it); `queue: true` answers 202 at once.',
      tags: ['messages'],
      security: KEY_OR_QUERY_SECURITY,
      body: SendBody,
      response: { 200: SentResponse, 202: QueuedResponse, ...SEND_ERRORS },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.body.deviceId),
  }, async (request, reply) => {
    const body: Static<typeof SendBody> = request.body
    const outcome = await messages.send({ ...body, idempotencyKey: idempotencyKey(request, body.idempotencyKey) })
    return reply.status(body.queue ? 202 : 200).send(sendReply(outcome, body.queue ?? false, body.message))
  })

  app.get('/api/messages/send', {
    config: { scopes: ['send'] },
    schema: {
      summary: 'Send a text message from a URL (key in ?apiKey=, Authorization or X-Api-Key)',
      tags: ['messages'],
      security: KEY_OR_QUERY_SECURITY,
      querystring: SendQuery,
      response: { 200: SentResponse, 202: QueuedResponse, ...SEND_ERRORS },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.query.deviceId, { query: true }),
  }, async (request, reply) => {
    const { deviceId, number, message, queue } = request.query
    const outcome = await messages.send({ deviceId, number, message, queue, idempotencyKey: idempotencyKey(request, request.query.idempotencyKey) })
    return reply.status(queue ? 202 : 200).send(sendReply(outcome, queue ?? false, message))
  })

  app.get('/api/messages/:messageId', {
    config: { scopes: ['send', 'read'] },
    schema: {
      summary: 'Status of a message (the sending session\'s key or the admin key)',
      tags: ['messages'],
      security: KEY_OR_QUERY_SECURITY,
      params: Type.Object({ messageId: Text(128) }),
      response: { 200: MessageResponse, ...SEND_ERRORS },
    },
    onRequest: async (request) => auth.requireSomeKey(request),
  }, async (request) => {
    const record = await messages.get(request.params.messageId)
    await auth.requireSessionAccess(request, record.deviceId)
    return {
      success: true as const,
      messageId: record.id,
      deviceId: record.deviceId,
      to: record.recipient,
      type: record.type,
      status: record.status,
      error: record.error,
      createdAt: new Date(record.createdAt).toISOString(),
      updatedAt: new Date(record.updatedAt).toISOString(),
    }
  })
}
