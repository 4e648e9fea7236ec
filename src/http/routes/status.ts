import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MAX_STATUS_AUDIENCE, STATUS_FONTS, type StatusService } from '../../status/status-service.js'
import type { Authenticator } from '../auth.js'
import { DeviceId, DeviceIdParams, KEY_SECURITY } from '../schemas.js'
import { Caption, idempotencyKey, Media, QueuedResponse, SEND_ERRORS, sendReply, SentResponse, Text } from './messages.js'

export interface StatusRoutesDeps {
  status: StatusService
  auth: Authenticator
}

const Mode = {
  queue: Type.Optional(Type.Boolean({ description: 'Answer 202 at once; the outbox sends when the session is connected' })),
  idempotencyKey: Type.Optional(Text(200)),
}

const StatusBody = Type.Object({
  // The literal first: AJV coerces a lone string into an array for the other branch.
  audience: Type.Union([
    Type.Literal('contacts', { description: 'Everyone in the session\'s stored contacts (from the phone\'s history)' }),
    Type.Array(Text(128), { minItems: 1, maxItems: MAX_STATUS_AUDIENCE, description: 'Phone numbers or user JIDs who may see it' }),
  ]),
  message: Type.Optional(Type.String({ minLength: 1, maxLength: 700, description: 'A text status' })),
  backgroundColor: Type.Optional(Type.String({ pattern: '^#[0-9A-Fa-f]{6}$', description: 'A text status\'s background', examples: ['#1E88E5'] })),
  font: Type.Optional(Type.Union(STATUS_FONTS.map((font) => Type.Literal(font)), { description: `A text status's typeface, one of WhatsApp's ${STATUS_FONTS.join(', ')}` })),
  image: Type.Optional(Media({ caption: Caption })),
  video: Type.Optional(Media({ caption: Caption })),
  voice: Type.Optional(Media()),
  ...Mode,
}, {
  additionalProperties: false,
  examples: [
    { audience: ['+1 555 123 4567', '15559876543'], message: 'We are open on Sunday', backgroundColor: '#1E88E5', font: 1 },
    { audience: 'contacts', image: { url: 'https://example.com/offer.jpg', caption: 'This week only' }, queue: true },
  ],
})

const StatusSent = Type.Intersect([SentResponse, Type.Object({ audience: Type.Integer({ description: 'How many people may see it' }) })])
const StatusQueued = Type.Intersect([QueuedResponse, Type.Object({ audience: Type.Integer() })])

/** Status updates (stories): posted to an audience through the outbox, deleted for the same audience. */
export const statusRoutes: FastifyPluginAsyncTypebox<StatusRoutesDeps> = async (app, { status, auth }) => {
  app.post('/api/sessions/:deviceId/status', {
    config: { scopes: ['send'] },
    schema: {
      summary: 'Post a status update (text, image, video or voice) to a list of people or to every contact',
      description: 'Give exactly one of message, image, video, voice. Synchronous by default (answers once WhatsApp acknowledged it); `queue: true` answers 202 at once. Contacts\' own status updates arrive as status.received events (only where subscribed to by type).',
      tags: ['status'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      body: StatusBody,
      response: { 200: StatusSent, 202: StatusQueued, ...SEND_ERRORS },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.params.deviceId),
  }, async (request, reply) => {
    const { body } = request
    const posted = await status.post(request.params.deviceId, { ...body, idempotencyKey: idempotencyKey(request, body.idempotencyKey) })
    return reply.status(body.queue ? 202 : 200).send({ ...sendReply(posted.outcome, body.queue ?? false, body.message), audience: posted.audience })
  })

  app.delete('/api/sessions/:deviceId/status/:messageId', {
    config: { scopes: ['send'] },
    schema: {
      summary: 'Delete a status update this session posted, for everyone it was shown to',
      description: 'Answers the id of the deletion message. Synchronous unless `?queue=true`.',
      tags: ['status'],
      security: KEY_SECURITY,
      params: Type.Object({ deviceId: DeviceId, messageId: Text(128) }),
      querystring: Type.Object({ queue: Type.Optional(Type.Boolean()) }),
      response: { 200: SentResponse, 202: QueuedResponse, ...SEND_ERRORS },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.params.deviceId),
  }, async (request, reply) => {
    const queue = request.query.queue ?? false
    const outcome = await status.remove(request.params.deviceId, request.params.messageId, { queue, idempotencyKey: idempotencyKey(request, undefined) })
    return reply.status(queue ? 202 : 200).send(sendReply(outcome, queue, undefined))
  })
}
