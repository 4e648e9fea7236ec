import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DomainError } from '../../errors.js'
import { PUBLIC_EVENT_TYPES } from '../../events/envelope.js'
import type { DeliveryDispatcher } from '../../events/delivery-dispatcher.js'
import type { WebhookRegistry } from '../../events/webhook-registry.js'
import type { DeliveryRecord, DeliveryRepository, WebhookRecord } from '../../store/ports.js'
import type { Authenticator } from '../auth.js'
import { DeviceId, DeviceIdParams, ErrorResponse, KEY_SECURITY } from '../schemas.js'

export interface WebhookRoutesDeps {
  registry: WebhookRegistry
  deliveries: DeliveryRepository
  dispatcher: DeliveryDispatcher
  auth: Authenticator
}

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse }

const WebhookView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String(), { description: 'Empty: every event but the opt-in ones (status.received), which are sent only where named' }),
  createdAt: Type.String({ format: 'date-time' }),
}, { title: 'Webhook' })

const DeliveryView = Type.Object({
  id: Type.Integer(),
  webhookId: Type.String(),
  deviceId: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
}, { title: 'WebhookDelivery' })

const webhookView = (hook: WebhookRecord) => ({
  id: hook.id,
  url: hook.url,
  events: hook.events,
  createdAt: new Date(hook.createdAt).toISOString(),
})

const deliveryView = (delivery: DeliveryRecord) => ({
  id: delivery.seq,
  webhookId: delivery.webhookId,
  deviceId: delivery.deviceId,
  eventId: delivery.eventId,
  eventType: delivery.eventType,
  status: delivery.status,
  attempts: delivery.attempts,
  lastError: delivery.lastError,
  createdAt: new Date(delivery.createdAt).toISOString(),
  updatedAt: new Date(delivery.updatedAt).toISOString(),
})

export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRoutesDeps> = async (app, { registry, deliveries, dispatcher, auth }) => {
  app.get('/api/sessions/:deviceId/webhooks', {
    config: { scopes: ['manage'] },
    schema: {
      summary: 'The session\'s webhooks (secrets are never shown again)',
      tags: ['webhooks'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      response: { 200: Type.Object({ success: Type.Literal(true), webhooks: Type.Array(WebhookView) }), ...errors },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.params.deviceId),
  }, async (request) => ({ success: true as const, webhooks: (await registry.list(request.params.deviceId)).map(webhookView) }))

  app.post('/api/sessions/:deviceId/webhooks', {
    schema: {
      summary: 'Add a webhook for this session; the signing secret is returned once',
      tags: ['webhooks'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      body: Type.Object({
        url: Type.String({ minLength: 1, maxLength: 2048 }),
        events: Type.Optional(Type.Array(Type.Union(PUBLIC_EVENT_TYPES.map((type) => Type.Literal(type))), {
          maxItems: PUBLIC_EVENT_TYPES.length,
          description: 'Event types to receive; left out or empty, every type but status.received (sent only where named)',
        })),
        secret: Type.Optional(Type.String({ minLength: 16, maxLength: 256 })),
      }),
      response: {
        201: Type.Object({ success: Type.Literal(true), webhook: Type.Intersect([WebhookView, Type.Object({ secret: Type.String() })]) }),
        ...errors,
      },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.params.deviceId),
  }, async (request, reply) => {
    const hook = await registry.create(request.params.deviceId, request.body)
    return reply.status(201).send({ success: true, webhook: { ...webhookView(hook), secret: hook.secret } })
  })

  app.delete('/api/sessions/:deviceId/webhooks/:webhookId', {
    schema: {
      summary: 'Remove a webhook and its deliveries: pending ones are never sent, the record of the others goes too',
      tags: ['webhooks'],
      security: KEY_SECURITY,
      params: Type.Object({ deviceId: DeviceId, webhookId: Type.String({ minLength: 1, maxLength: 64 }) }),
      response: { 200: Type.Object({ success: Type.Literal(true), message: Type.String() }), ...errors },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.params.deviceId),
  }, async (request) => {
    if (!(await registry.delete(request.params.deviceId, request.params.webhookId))) {
      throw new DomainError('not_found', `Webhook "${request.params.webhookId}" not found`)
    }
    await deliveries.deleteForWebhook(request.params.webhookId)
    return { success: true as const, message: 'Webhook deleted' }
  })

  app.get('/api/webhooks/deliveries', {
    config: { scopes: ['manage'] },
    schema: {
      summary: 'Webhook deliveries by status (failed ones by default); a session key must name its deviceId',
      tags: ['webhooks'],
      security: KEY_SECURITY,
      querystring: Type.Object({
        status: Type.Optional(Type.Union([Type.Literal('failed'), Type.Literal('pending'), Type.Literal('delivered')], { default: 'failed' })),
        deviceId: Type.Optional(DeviceId),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
      }),
      response: { 200: Type.Object({ success: Type.Literal(true), deliveries: Type.Array(DeliveryView) }), ...errors },
    },
    preHandler: async (request) => {
      if (request.query.deviceId === undefined) await auth.requireAdmin(request)
      else await auth.requireSessionAccess(request, request.query.deviceId)
    },
  }, async (request) => ({
    success: true as const,
    deliveries: (await deliveries.list(request.query.status ?? 'failed', request.query.limit ?? 100, request.query.deviceId)).map(deliveryView),
  }))

  app.post('/api/webhooks/deliveries/:id/redeliver', {
    schema: {
      summary: 'Queue a failed delivery again, due now',
      tags: ['webhooks'],
      security: KEY_SECURITY,
      params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
      response: { 200: Type.Object({ success: Type.Literal(true), delivery: DeliveryView }), ...errors, 409: ErrorResponse },
    },
    onRequest: async (request) => auth.requireSomeKey(request),
  }, async (request) => {
    const existing = await deliveries.get(request.params.id)
    if (!existing) throw new DomainError('not_found', `Delivery ${request.params.id} not found`)
    await auth.requireSessionAccess(request, existing.deviceId)
    const queued = await deliveries.redeliver(request.params.id)
    if (!queued) throw new DomainError('conflict', `Delivery ${request.params.id} has not failed (status: ${existing.status})`)
    dispatcher.wake()
    return { success: true as const, delivery: deliveryView(queued) }
  })
}
