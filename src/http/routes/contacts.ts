import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ContactDirectory } from '../../people/contact-directory.js'
import type { Authenticator } from '../auth.js'
import { type SessionRouting, toSessionNode } from '../session-routing.js'
import { DeviceId, DeviceIdParams, ErrorResponse, KEY_SECURITY } from '../schemas.js'

export interface ContactRoutesDeps {
  directory: ContactDirectory
  auth: Authenticator
  routing: SessionRouting
}

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse }
const Nullable = (description?: string) => Type.Union([Type.String(), Type.Null()], description ? { description } : {})
const Person = Type.String({ minLength: 1, maxLength: 128, description: 'Phone number or user JID (@s.whatsapp.net, @lid)', examples: ['+1 555 123 4567', '123456789012345@lid'] })
const ContactParams = Type.Object({ deviceId: DeviceId, contact: Person })

const Contact = Type.Object({
  jid: Type.String(),
  name: Nullable('The name in the account\'s address book'),
  pushName: Nullable('The name the contact gave themselves'),
  phoneNumber: Nullable(),
  lid: Nullable(),
}, { title: 'Contact' })

const ContactDetails = Type.Object({
  success: Type.Literal(true),
  jid: Type.String(),
  phoneNumber: Nullable('Where WhatsApp revealed it'),
  lid: Nullable('Where WhatsApp gave it'),
  exists: Type.Boolean({ description: 'On WhatsApp' }),
  name: Nullable(),
  pushName: Nullable(),
  about: Nullable('The "about" text; null when unset or hidden from this account'),
  pictureUrl: Nullable('A short-lived URL of the profile picture; null when there is none or it is hidden'),
  isBusiness: Type.Boolean(),
  blocked: Type.Boolean(),
}, {
  title: 'ContactDetails',
  examples: [{
    success: true, jid: '15551234567@s.whatsapp.net', phoneNumber: '15551234567', lid: '123456789012345@lid', exists: true, name: 'Ana (support)',
    pushName: 'Ana', about: 'Available', pictureUrl: 'https://pps.whatsapp.net/v/t61...', isBusiness: false, blocked: false,
  }],
})

const Blocked = Type.Object({ jid: Type.String(), phoneNumber: Nullable(), lid: Nullable() })

export const contactRoutes: FastifyPluginAsyncTypebox<ContactRoutesDeps> = async (app, { directory, auth, routing }) => {
  const onSessionNode = toSessionNode(routing)

  app.get('/api/sessions/:deviceId/contacts', {
    schema: {
      summary: 'Contacts WhatsApp shared with the session (history sync) or that it looked up, by name',
      tags: ['contacts'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
      }),
      response: {
        200: Type.Object({ success: Type.Literal(true), contacts: Type.Array(Contact) }, {
          examples: [{ success: true, contacts: [{ jid: '15551234567@s.whatsapp.net', name: 'Ana (support)', pushName: 'Ana', phoneNumber: '15551234567', lid: null }] }],
        }),
        ...errors,
      },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.params.deviceId),
  }, async (request) => ({
    success: true as const,
    contacts: await directory.list(request.params.deviceId, request.query.limit ?? 100, request.query.offset ?? 0),
  }))

  app.get('/api/sessions/:deviceId/contacts/:contact', {
    schema: {
      summary: 'One person: on WhatsApp or not, phone number and LID, names, "about", picture, business, blocked',
      tags: ['contacts'],
      security: KEY_SECURITY,
      params: ContactParams,
      response: { 200: ContactDetails, ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, ...(await directory.details(request.params.deviceId, request.params.contact)) }))

  for (const [action, blocked] of [['block', true], ['unblock', false]] as const) {
    app.post(`/api/sessions/:deviceId/contacts/:contact/${action}`, {
      schema: {
        summary: blocked ? 'Block a person: they can no longer call or write to the account' : 'Unblock a person',
        tags: ['contacts'],
        security: KEY_SECURITY,
        params: ContactParams,
        response: { 200: Type.Object({ success: Type.Literal(true), jid: Type.String() }), ...errors },
      },
      preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
    }, async (request) => ({ success: true as const, jid: await directory.setBlocked(request.params.deviceId, request.params.contact, blocked) }))
  }

  app.get('/api/sessions/:deviceId/blocklist', {
    schema: {
      summary: 'The people this account blocked, with phone numbers where WhatsApp revealed them',
      tags: ['contacts'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      response: { 200: Type.Object({ success: Type.Literal(true), blocklist: Type.Array(Blocked) }), ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, blocklist: await directory.blocklist(request.params.deviceId) }))

  app.get('/api/sessions/:deviceId/lids/:lid', {
    schema: {
      summary: 'The phone number behind a LID, where WhatsApp revealed it to this session (404 with the reason otherwise)',
      tags: ['contacts'],
      security: KEY_SECURITY,
      params: Type.Object({ deviceId: DeviceId, lid: Type.String({ minLength: 1, maxLength: 64, examples: ['123456789012345@lid'] }) }),
      response: {
        200: Type.Object({ success: Type.Literal(true), lid: Type.String(), phoneNumber: Type.String(), jid: Type.String() }, {
          examples: [{ success: true, lid: '123456789012345@lid', phoneNumber: '15551234567', jid: '15551234567@s.whatsapp.net' }],
        }),
        ...errors,
      },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, ...(await directory.resolveLid(request.params.deviceId, request.params.lid)) }))
}
