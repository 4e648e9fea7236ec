import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { LABEL_COLORS, type LabelService, MAX_LABEL_NAME_LENGTH, MAX_LABELS } from '../../labels/label-service.js'
import type { Authenticator } from '../auth.js'
import { type SessionRouting, toSessionNode } from '../session-routing.js'
import { ChatParams, DeviceId, DeviceIdParams, Done, ErrorResponse, KEY_SECURITY } from '../schemas.js'

export interface LabelRoutesDeps {
  labels: LabelService
  auth: Authenticator
  routing: SessionRouting
}

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse }
const LabelId = Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', description: 'WhatsApp\'s label id (a small number)', examples: ['3'], errorMessage: 'labelId must be a label id such as 3' })
const LabelParams = Type.Object({ deviceId: DeviceId, labelId: LabelId })
const Name = Type.String({ minLength: 1, maxLength: MAX_LABEL_NAME_LENGTH, examples: ['Awaiting payment'] })
const Color = Type.Integer({ minimum: 0, maximum: LABEL_COLORS - 1, description: `One of WhatsApp's ${LABEL_COLORS} label colours, 0-${LABEL_COLORS - 1}`, examples: [4] })
const Label = Type.Object({
  id: Type.String(),
  name: Type.String(),
  color: Type.Integer(),
  predefinedId: Type.Union([Type.String(), Type.Null()], { description: 'Set on the labels WhatsApp Business creates itself' }),
  chatCount: Type.Integer(),
}, { title: 'Label' })
const EXAMPLE_LABEL = { id: '6', name: 'Awaiting payment', color: 4, predefinedId: null, chatCount: 2 }
const LabelIds = Type.Array(LabelId, { maxItems: MAX_LABELS, description: 'Every label the chat should carry; an empty list takes them all off' })

/**
 * WhatsApp Business labels, shared with every device of the account through WhatsApp's app state:
 * the phone shows them too, and label changes made on the phone arrive as label.updated events.
 */
export const labelRoutes: FastifyPluginAsyncTypebox<LabelRoutesDeps> = async (app, { labels, auth, routing }) => {
  const onSessionNode = toSessionNode(routing)

  app.get('/api/sessions/:deviceId/labels', {
    schema: {
      summary: 'List the labels of a WhatsApp Business account, with how many chats carry each',
      tags: ['labels'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      response: {
        200: Type.Object({ success: Type.Literal(true), labels: Type.Array(Label) }, { examples: [{ success: true, labels: [EXAMPLE_LABEL] }] }),
        ...errors,
      },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, labels: await labels.list(request.params.deviceId) }))

  app.post('/api/sessions/:deviceId/labels', {
    schema: {
      summary: `Create a label (WhatsApp Business keeps at most ${MAX_LABELS}); the phone shows it too`,
      tags: ['labels'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      body: Type.Object({ name: Name, color: Type.Optional(Color) }, { additionalProperties: false, examples: [{ name: 'Awaiting payment', color: 4 }] }),
      response: { 201: Type.Object({ success: Type.Literal(true), label: Label }, { examples: [{ success: true, label: { ...EXAMPLE_LABEL, chatCount: 0 } }] }), ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request, reply) => {
    const label = await labels.create(request.params.deviceId, { name: request.body.name, color: request.body.color ?? 0 })
    return reply.code(201).send({ success: true as const, label })
  })

  app.get('/api/sessions/:deviceId/labels/:labelId', {
    schema: {
      summary: 'One label and the chats that carry it',
      tags: ['labels'],
      security: KEY_SECURITY,
      params: LabelParams,
      response: {
        200: Type.Object({ success: Type.Literal(true), label: Type.Intersect([Label, Type.Object({ chats: Type.Array(Type.String()) })]) }, {
          examples: [{ success: true, label: { ...EXAMPLE_LABEL, chats: ['15551234567@s.whatsapp.net', '120363012345678901@g.us'] } }],
        }),
        ...errors,
      },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, label: await labels.get(request.params.deviceId, request.params.labelId) }))

  app.put('/api/sessions/:deviceId/labels/:labelId', {
    schema: {
      summary: 'Rename a label or change its colour',
      tags: ['labels'],
      security: KEY_SECURITY,
      params: LabelParams,
      body: Type.Object({ name: Type.Optional(Name), color: Type.Optional(Color) }, {
        additionalProperties: false, minProperties: 1, examples: [{ name: 'Paid', color: 7 }], errorMessage: 'Give name, color or both',
      }),
      response: { 200: Type.Object({ success: Type.Literal(true), label: Label }), ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, label: await labels.update(request.params.deviceId, request.params.labelId, request.body) }))

  app.delete('/api/sessions/:deviceId/labels/:labelId', {
    schema: {
      summary: 'Delete a label: it comes off every chat',
      tags: ['labels'],
      security: KEY_SECURITY,
      params: LabelParams,
      response: { 200: Done, ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => {
    await labels.delete(request.params.deviceId, request.params.labelId)
    return { success: true as const }
  })

  app.get('/api/sessions/:deviceId/chats/:chat/labels', {
    schema: {
      summary: 'The labels on one chat',
      tags: ['labels'],
      security: KEY_SECURITY,
      params: ChatParams,
      response: { 200: Type.Object({ success: Type.Literal(true), labelIds: Type.Array(Type.String()) }, { examples: [{ success: true, labelIds: ['1', '6'] }] }), ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, labelIds: await labels.labelsOfChat(request.params.deviceId, request.params.chat) }))

  app.put('/api/sessions/:deviceId/chats/:chat/labels', {
    schema: {
      summary: 'Set the labels of a chat: the listed ones are put on, any others taken off',
      tags: ['labels'],
      security: KEY_SECURITY,
      params: ChatParams,
      body: Type.Object({ labelIds: LabelIds }, { additionalProperties: false, examples: [{ labelIds: ['1', '6'] }, { labelIds: [] }] }),
      response: { 200: Type.Object({ success: Type.Literal(true), labelIds: Type.Array(Type.String()) }), ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, labelIds: await labels.setChatLabels(request.params.deviceId, request.params.chat, request.body.labelIds) }))
}
