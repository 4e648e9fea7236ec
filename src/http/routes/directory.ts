import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MAX_NUMBERS_PER_CHECK, type Directory } from '../../messaging/directory.js'
import type { Authenticator } from '../auth.js'
import { type SessionRouting, toSessionNode } from '../session-routing.js'
import { DeviceIdParams, ErrorResponse, KEY_SECURITY } from '../schemas.js'

export interface DirectoryRoutesDeps {
  directory: Directory
  auth: Authenticator
  routing: SessionRouting
}

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse }

export const directoryRoutes: FastifyPluginAsyncTypebox<DirectoryRoutesDeps> = async (app, { directory, auth, routing }) => {
  const onSessionNode = toSessionNode(routing)
  app.post('/api/sessions/:deviceId/check-numbers', {
    config: { scopes: ['send', 'read'] },
    schema: {
      summary: 'Check which phone numbers are on WhatsApp (cached)',
      tags: ['contacts'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      body: Type.Object({
        numbers: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: MAX_NUMBERS_PER_CHECK }),
      }),
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          results: Type.Array(Type.Object({ number: Type.String(), jid: Type.String(), exists: Type.Boolean() })),
        }),
        ...errors,
      },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({
    success: true as const,
    results: await directory.checkNumbers(request.params.deviceId, request.body.numbers),
  }))
}
