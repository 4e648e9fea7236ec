import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { MessageSender } from '../../messaging/message-sender.js'
import type { Authenticator } from '../auth.js'
import { DeviceId, ErrorResponse } from '../schemas.js'

export interface MessageRoutesDeps {
  sender: MessageSender
  auth: Authenticator
}

const SendFields = {
  deviceId: DeviceId,
  number: Type.String({ minLength: 1, maxLength: 128, description: 'Phone number with country code, or a JID', examples: ['+1 555 123 4567'] }),
  message: Type.String({ minLength: 1, maxLength: 65_536, examples: ['Hello from API!'] }),
}

const SendResponse = Type.Object({
  success: Type.Literal(true),
  status: Type.Literal('sent'),
  to: Type.String(),
  message: Type.String(),
  messageId: Type.String(),
})

const errors = {
  400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse,
  409: ErrorResponse, 503: ErrorResponse, 504: ErrorResponse,
}
const sessionSecurity = [{ bearerAuth: [] }, { apiKeyHeader: [] }, { apiKeyQuery: [] }]

export const messageRoutes: FastifyPluginAsyncTypebox<MessageRoutesDeps> = async (app, { sender, auth }) => {
  app.post('/api/messages/send', {
    schema: {
      summary: 'Send a text message (session key or admin key)',
      tags: ['messages'],
      security: sessionSecurity,
      body: Type.Object(SendFields),
      response: { 200: SendResponse, ...errors },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.body.deviceId),
  }, async (request) => {
    const { deviceId, number, message } = request.body
    const { to, messageId } = await sender.sendText(deviceId, number, message)
    return { success: true as const, status: 'sent' as const, to, message, messageId }
  })

  app.get('/api/messages/send', {
    schema: {
      summary: 'Send a text message from a URL (key in ?apiKey=, Authorization or X-Api-Key)',
      tags: ['messages'],
      security: sessionSecurity,
      querystring: Type.Object({ ...SendFields, apiKey: Type.Optional(Type.String({ maxLength: 256 })) }),
      response: { 200: SendResponse, ...errors },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.query.deviceId, { query: true }),
  }, async (request) => {
    const { deviceId, number, message } = request.query
    const { to, messageId } = await sender.sendText(deviceId, number, message)
    return { success: true as const, status: 'sent' as const, to, message, messageId }
  })
}
