import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MAX_ABOUT_LENGTH, MAX_NAME_LENGTH, type ProfileService } from '../../people/profile-service.js'
import type { Authenticator } from '../auth.js'
import { type SessionRouting, toSessionNode } from '../session-routing.js'
import { DeviceIdParams, Done, ErrorResponse, KEY_SECURITY } from '../schemas.js'

export interface ProfileRoutesDeps {
  profiles: ProfileService
  auth: Authenticator
  routing: SessionRouting
}

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse }
const Nullable = Type.Union([Type.String(), Type.Null()])

const Profile = Type.Object({
  success: Type.Literal(true),
  name: Nullable,
  about: Nullable,
  pictureUrl: Nullable,
  phoneNumber: Nullable,
  lid: Nullable,
}, { examples: [{ success: true, name: 'Front desk', about: 'Replies within the hour', pictureUrl: null, phoneNumber: '15550001111', lid: '123456789012345@lid' }] })

const L = Type.Literal
const Who = Type.Optional(Type.Union([L('all'), L('contacts'), L('contact_blacklist'), L('none')]))

/** Each setting with the values WhatsApp allows for it (contact_blacklist: my contacts except those listed on the phone). */
const Privacy = Type.Object({
  lastSeen: Who,
  online: Type.Optional(Type.Union([L('all'), L('match_last_seen')])),
  profilePicture: Who,
  about: Who,
  readReceipts: Type.Optional(Type.Union([L('all'), L('none')])),
  groupsAdd: Type.Optional(Type.Union([L('all'), L('contacts'), L('contact_blacklist')])),
  calls: Type.Optional(Type.Union([L('all'), L('known')])),
  messages: Type.Optional(Type.Union([L('all'), L('contacts')])),
}, { additionalProperties: false, examples: [{ lastSeen: 'contacts', readReceipts: 'none' }] })

const PrivacyResponse = Type.Object({
  success: Type.Literal(true),
  privacy: Type.Record(Type.String(), Type.String(), { description: 'Each setting (as in the PUT body) with its value as WhatsApp reports it' }),
}, { examples: [{ success: true, privacy: { lastSeen: 'contacts', online: 'all', profilePicture: 'all', about: 'all', readReceipts: 'none', groupsAdd: 'all', calls: 'all', messages: 'all' } }] })

export const profileRoutes: FastifyPluginAsyncTypebox<ProfileRoutesDeps> = async (app, { profiles, auth, routing }) => {
  const onSessionNode = toSessionNode(routing)

  app.get('/api/sessions/:deviceId/profile', {
    schema: { summary: 'The account\'s own profile: name, "about", picture, phone number, LID', tags: ['profile'], security: KEY_SECURITY, params: DeviceIdParams, response: { 200: Profile, ...errors } },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, ...(await profiles.get(request.params.deviceId)) }))

  app.put('/api/sessions/:deviceId/profile', {
    schema: {
      summary: 'Change the profile name, "about" or picture (any of them); answers the profile as it is now',
      description: 'The picture comes from an https URL or base64, fetched safely like media to send; WhatsApp gets a square JPEG made from it.',
      tags: ['profile'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      body: Type.Object({
        name: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH })),
        about: Type.Optional(Type.String({ maxLength: MAX_ABOUT_LENGTH })),
        picture: Type.Optional(Type.Object({
          url: Type.Optional(Type.String({ maxLength: 2048 })),
          base64: Type.Optional(Type.String()),
          mimetype: Type.Optional(Type.String({ maxLength: 255 })),
        })),
      }, { examples: [{ name: 'Front desk', about: 'Replies within the hour' }, { picture: { url: 'https://example.com/logo.png' } }] }),
      response: { 200: Profile, ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, ...(await profiles.update(request.params.deviceId, request.body)) }))

  app.delete('/api/sessions/:deviceId/profile/picture', {
    schema: { summary: 'Remove the account\'s profile picture', tags: ['profile'], security: KEY_SECURITY, params: DeviceIdParams, response: { 200: Done, ...errors } },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => {
    await profiles.removePicture(request.params.deviceId)
    return { success: true as const }
  })

  app.get('/api/sessions/:deviceId/profile/privacy', {
    schema: { summary: 'Who sees the last seen, online, picture and "about", gets read receipts, may add to groups, call, write', tags: ['profile'], security: KEY_SECURITY, params: DeviceIdParams, response: { 200: PrivacyResponse, ...errors } },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, privacy: await profiles.privacy(request.params.deviceId) }))

  app.put('/api/sessions/:deviceId/profile/privacy', {
    schema: {
      summary: 'Change privacy settings (any of them); answers all of them as they are now',
      tags: ['profile'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      body: Privacy,
      response: { 200: PrivacyResponse, ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, privacy: await profiles.setPrivacy(request.params.deviceId, request.body) }))
}
