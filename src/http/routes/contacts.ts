import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { SessionManager } from '../../sessions/session-manager.js'
import type { ContactRepository } from '../../store/ports.js'
import type { Authenticator } from '../auth.js'
import { DeviceIdParams, ErrorResponse, KEY_SECURITY } from '../schemas.js'

export interface ContactRoutesDeps {
  contacts: ContactRepository
  sessions: SessionManager
  auth: Authenticator
}

const Contact = Type.Object({
  jid: Type.String(),
  name: Type.Union([Type.String(), Type.Null()], { description: 'The name in the account\'s address book' }),
  pushName: Type.Union([Type.String(), Type.Null()], { description: 'The name the contact gave themselves' }),
  phoneNumber: Type.Union([Type.String(), Type.Null()]),
  lid: Type.Union([Type.String(), Type.Null()]),
})

export const contactRoutes: FastifyPluginAsyncTypebox<ContactRoutesDeps> = async (app, { contacts, sessions, auth }) => {
  app.get('/api/sessions/:deviceId/contacts', {
    schema: {
      summary: 'Contacts WhatsApp shared with the session (history sync after linking), by name',
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
        400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse,
      },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.params.deviceId),
  }, async (request) => {
    sessions.get(request.params.deviceId)
    return { success: true as const, contacts: await contacts.list(request.params.deviceId, request.query.limit ?? 100, request.query.offset ?? 0) }
  })
}
