import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { CallService } from '../../calls/call-service.js'
import type { Authenticator } from '../auth.js'
import { type SessionRouting, toSessionNode } from '../session-routing.js'
import { DeviceId, Done, ErrorResponse, KEY_SECURITY } from '../schemas.js'

export interface CallRoutesDeps {
  calls: CallService
  auth: Authenticator
  routing: SessionRouting
}

export const callRoutes: FastifyPluginAsyncTypebox<CallRoutesDeps> = async (app, { calls, auth, routing }) => {
  app.post('/api/sessions/:deviceId/calls/:callId/reject', {
    schema: {
      summary: 'Reject a ringing call (its id comes with the call.received event): the caller sees it declined',
      tags: ['calls'],
      security: KEY_SECURITY,
      params: Type.Object({ deviceId: DeviceId, callId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$', examples: ['7A2B3C4D5E6F70819293A4B5C6D7E8F9'] }) }),
      response: { 200: Done, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), toSessionNode(routing)],
  }, async (request) => {
    await calls.reject(request.params.deviceId, request.params.callId)
    return { success: true as const }
  })
}
