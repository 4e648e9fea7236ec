import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { CHANNEL_LINK, type ChannelAction, type ChannelService, MAX_CHANNEL_DESCRIPTION_LENGTH, MAX_CHANNEL_NAME_LENGTH } from '../../channels/channel-service.js'
import type { ChannelInfo } from '../../sessions/channels-port.js'
import type { Authenticator } from '../auth.js'
import { type SessionRouting, toSessionNode } from '../session-routing.js'
import { DeviceId, DeviceIdParams, ErrorResponse, KEY_SECURITY } from '../schemas.js'
import { isoOrNull } from '../../time.js'

export interface ChannelRoutesDeps {
  channels: ChannelService
  auth: Authenticator
  routing: SessionRouting
}

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse }
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(schema: T) => Type.Union([schema, Type.Null()])
const EXAMPLE_JID = '120363012345678901@newsletter'

const ChannelParam = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'The channel\'s JID, its https://whatsapp.com/channel/... link (URL-encoded) or the link\'s code',
  examples: [EXAMPLE_JID, '0029VaEXAMPLEcode1234x'],
})
const ChannelParams = Type.Object({ deviceId: DeviceId, channel: ChannelParam })

const ChannelSchema = Type.Object({
  jid: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  inviteLink: Nullable(Type.String()),
  subscribers: Nullable(Type.Integer()),
  verified: Type.Boolean(),
  pictureUrl: Nullable(Type.String()),
  createdAt: Nullable(Type.String({ format: 'date-time' })),
  role: Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('subscriber'), Type.Literal('guest'), Type.Null()], { description: 'What this account is to the channel' }),
  muted: Type.Boolean(),
}, { title: 'Channel' })
const EXAMPLE_CHANNEL = {
  jid: EXAMPLE_JID,
  name: 'Shop news',
  description: 'Offers and opening hours',
  inviteLink: 'https://whatsapp.com/channel/0029VaEXAMPLEcode1234x',
  subscribers: 1250,
  verified: false,
  pictureUrl: null,
  createdAt: '2026-11-02T09:30:00.000Z',
  role: 'owner',
  muted: false,
}

function channelView(channel: ChannelInfo) {
  const { inviteCode, createdAt, ...rest } = channel
  return { ...rest, inviteLink: inviteCode ? `${CHANNEL_LINK}${inviteCode}` : null, createdAt: isoOrNull(createdAt) }
}

const ACTIONS: Array<[ChannelAction, string]> = [
  ['follow', 'Follow a channel: its posts arrive as message.received with isChannel: true'],
  ['unfollow', 'Stop following a channel'],
  ['mute', 'Mute a followed channel\'s notifications'],
  ['unmute', 'Unmute a followed channel'],
]

/** Channels (newsletters): WhatsApp answers each of these through the session's socket. */
export const channelRoutes: FastifyPluginAsyncTypebox<ChannelRoutesDeps> = async (app, { channels, auth, routing }) => {
  const onSessionNode = toSessionNode(routing)

  app.get('/api/sessions/:deviceId/channels', {
    schema: {
      summary: 'List the channels this account follows or runs',
      tags: ['channels'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      response: {
        200: Type.Object({ success: Type.Literal(true), channels: Type.Array(ChannelSchema) }, { examples: [{ success: true, channels: [EXAMPLE_CHANNEL] }] }),
        ...errors,
      },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, channels: (await channels.followed(request.params.deviceId)).map(channelView) }))

  app.post('/api/sessions/:deviceId/channels', {
    schema: {
      summary: 'Create a channel this account owns; post to it with POST /api/messages/send to its JID',
      tags: ['channels'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: MAX_CHANNEL_NAME_LENGTH }),
        description: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CHANNEL_DESCRIPTION_LENGTH })),
      }, { additionalProperties: false, examples: [{ name: 'Shop news', description: 'Offers and opening hours' }] }),
      response: { 201: Type.Object({ success: Type.Literal(true), channel: ChannelSchema }, { examples: [{ success: true, channel: { ...EXAMPLE_CHANNEL, subscribers: 0 } }] }), ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request, reply) => {
    const channel = await channels.create(request.params.deviceId, request.body)
    return reply.code(201).send({ success: true as const, channel: channelView(channel) })
  })

  app.get('/api/sessions/:deviceId/channels/:channel', {
    schema: {
      summary: 'Look a channel up by JID or invite link: name, description, subscribers, picture',
      tags: ['channels'],
      security: KEY_SECURITY,
      params: ChannelParams,
      response: { 200: Type.Object({ success: Type.Literal(true), channel: ChannelSchema }, { examples: [{ success: true, channel: EXAMPLE_CHANNEL }] }), ...errors },
    },
    preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
  }, async (request) => ({ success: true as const, channel: channelView(await channels.get(request.params.deviceId, request.params.channel)) }))

  for (const [action, summary] of ACTIONS) {
    app.post(`/api/sessions/:deviceId/channels/:channel/${action}`, {
      schema: {
        summary,
        tags: ['channels'],
        security: KEY_SECURITY,
        params: ChannelParams,
        response: { 200: Type.Object({ success: Type.Literal(true), jid: Type.String() }, { examples: [{ success: true, jid: EXAMPLE_JID }] }), ...errors },
      },
      preHandler: [async (request) => auth.requireSessionAccess(request, request.params.deviceId), onSessionNode],
    }, async (request) => ({ success: true as const, jid: await channels.act(request.params.deviceId, request.params.channel, action) }))
  }
}
