import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import {
  EPHEMERAL_SECONDS,
  type GroupService,
  MAX_DESCRIPTION_LENGTH,
  MAX_PARTICIPANTS_PER_CALL,
  MAX_SUBJECT_LENGTH,
  PARTICIPANT_STATUSES,
  type ParticipantStatus,
} from '../../groups/group-service.js'
import { groupView } from '../../groups/group-view.js'
import type { Authenticator } from '../auth.js'
import { type SessionRouting, toSessionNode } from '../session-routing.js'
import { DeviceId, DeviceIdParams, Done, ErrorResponse, KEY_SECURITY } from '../schemas.js'
import { isoOrNull } from '../../time.js'

export interface GroupRoutesDeps {
  groups: GroupService
  auth: Authenticator
  routing: SessionRouting
}

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse }
const Nullable = (schema: ReturnType<typeof Type.String>) => Type.Union([schema, Type.Null()])
const EXAMPLE_GROUP = '120363012345678901@g.us'

const GroupJid = Type.String({ pattern: '^\\d{5,25}(-\\d{5,15})?@g\\.us$', description: 'A group JID', examples: [EXAMPLE_GROUP], errorMessage: 'group must be a group JID such as 120363012345678901@g.us' })
const GroupParams = Type.Object({ deviceId: DeviceId, group: GroupJid })
const Person = Type.Object({ jid: Type.String(), phoneNumber: Nullable(Type.String()), lid: Nullable(Type.String()) })
const Participants = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
  minItems: 1,
  maxItems: MAX_PARTICIPANTS_PER_CALL,
  description: 'Phone numbers (with country code) or user JIDs',
  examples: [['+1 555 123 4567', '15559876543@s.whatsapp.net']],
})

const GroupSchema = Type.Object({
  jid: Type.String(),
  subject: Type.String(),
  description: Nullable(Type.String()),
  owner: Nullable(Type.String()),
  createdAt: Nullable(Type.String({ format: 'date-time' })),
  announceOnly: Type.Boolean({ description: 'Only admins may send messages' }),
  locked: Type.Boolean({ description: 'Only admins may edit the subject, description and picture' }),
  ephemeralSeconds: Type.Integer({ description: 'Disappearing messages after this many seconds; 0 off' }),
  joinApproval: Type.Boolean({ description: 'Joining by link needs an admin\'s approval' }),
  size: Type.Integer(),
  participants: Type.Array(Type.Object({
    jid: Type.String(),
    phoneNumber: Nullable(Type.String()),
    lid: Nullable(Type.String()),
    admin: Type.Union([Type.Literal('admin'), Type.Literal('superadmin'), Type.Null()]),
  })),
}, { title: 'Group' })
const EXAMPLE_METADATA = {
  jid: EXAMPLE_GROUP,
  subject: 'Support team',
  description: 'Shift handovers',
  owner: '15551234567@s.whatsapp.net',
  createdAt: '2026-11-02T09:30:00.000Z',
  announceOnly: false,
  locked: true,
  ephemeralSeconds: 0,
  joinApproval: false,
  size: 2,
  participants: [
    { jid: '15551234567@s.whatsapp.net', phoneNumber: '15551234567', lid: '123456789012345@lid', admin: 'superadmin' },
    { jid: '15559876543@s.whatsapp.net', phoneNumber: '15559876543', lid: '987654321098765@lid', admin: null },
  ],
}

const ParticipantResults = Type.Array(Type.Object({
  participant: Type.String({ description: 'As given' }),
  jid: Type.String(),
  status: Type.Unsafe<ParticipantStatus>({ type: 'string', enum: [...PARTICIPANT_STATUSES] }),
  code: Type.Integer({ description: 'WhatsApp\'s code: 200 done' }),
  message: Type.String(),
}))
const Invite = Type.Object({ success: Type.Literal(true), code: Type.String(), link: Type.String() }, {
  examples: [{ success: true, code: 'F3kA9xQ2LmP7rT1vW8yZ0b', link: 'https://chat.whatsapp.com/F3kA9xQ2LmP7rT1vW8yZ0b' }],
})
const MediaSource = Type.Object({
  url: Type.Optional(Type.String({ format: 'uri', maxLength: 2048 })),
  base64: Type.Optional(Type.String({ maxLength: 20_000_000 })),
})

/** Groups: list, create, read and change one, its members, invites, leaving and join requests. */
export const groupRoutes: FastifyPluginAsyncTypebox<GroupRoutesDeps> = async (app, { groups, auth, routing }) => {
  const preHandler = [
    async (request: FastifyRequest) => auth.requireSessionAccess(request, (request.params as { deviceId: string }).deviceId),
    toSessionNode(routing),
  ]

  app.get('/api/sessions/:deviceId/groups', {
    schema: {
      summary: 'Groups the session is a member of, with names and sizes',
      tags: ['groups'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          groups: Type.Array(Type.Object({
            jid: Type.String(),
            name: Type.String(),
            size: Type.Integer(),
            description: Nullable(Type.String()),
            createdAt: Nullable(Type.String({ format: 'date-time' })),
            announceOnly: Type.Boolean(),
          })),
        }),
        ...errors,
      },
    },
    preHandler,
  }, async (request) => ({
    success: true as const,
    groups: (await groups.list(request.params.deviceId)).map((group) => ({
      ...group,
      createdAt: isoOrNull(group.createdAt),
    })),
  }))

  app.post('/api/sessions/:deviceId/groups', {
    schema: {
      summary: 'Create a group; answers its metadata and, per participant, whether they were added',
      description: 'The account becomes the group\'s super admin. Someone whose privacy settings refuse being added is reported as not_allowed; add them later through the participants route, which sends them an invite instead.',
      tags: ['groups'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      body: Type.Object({
        subject: Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH }),
        participants: Participants,
        description: Type.Optional(Type.String({ maxLength: MAX_DESCRIPTION_LENGTH })),
      }, { examples: [{ subject: 'Support team', participants: ['+1 555 987 6543'], description: 'Shift handovers' }] }),
      response: {
        200: Type.Object({ success: Type.Literal(true), group: GroupSchema, participants: ParticipantResults }, {
          examples: [{ success: true, group: EXAMPLE_METADATA, participants: [{ participant: '+1 555 987 6543', jid: '15559876543@s.whatsapp.net', status: 'ok', code: 200, message: 'Done' }] }],
        }),
        ...errors,
      },
    },
    preHandler,
  }, async (request) => {
    const { group, participants } = await groups.create(request.params.deviceId, request.body)
    return { success: true as const, group: groupView(group), participants }
  })

  app.get('/api/sessions/:deviceId/groups/invites/:code', {
    schema: {
      summary: 'What a group is, from its invite code, before joining',
      tags: ['groups'],
      security: KEY_SECURITY,
      params: Type.Object({ deviceId: DeviceId, code: Type.String({ minLength: 1, maxLength: 128 }) }),
      response: { 200: Type.Object({ success: Type.Literal(true), group: GroupSchema }), ...errors },
    },
    preHandler,
  }, async (request) => ({ success: true as const, group: groupView(await groups.inviteInfo(request.params.deviceId, request.params.code)) }))

  app.post('/api/sessions/:deviceId/groups/join', {
    schema: {
      summary: 'Join a group by its invite code or link',
      description: 'pendingApproval is true when the group needs an admin\'s approval: the account is in once an admin approves (group.joined follows).',
      tags: ['groups'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      body: Type.Object({
        code: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        link: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      }, { examples: [{ link: 'https://chat.whatsapp.com/F3kA9xQ2LmP7rT1vW8yZ0b' }, { code: 'F3kA9xQ2LmP7rT1vW8yZ0b' }] }),
      response: {
        200: Type.Object({ success: Type.Literal(true), jid: Type.String(), pendingApproval: Type.Boolean() }, { examples: [{ success: true, jid: EXAMPLE_GROUP, pendingApproval: false }] }),
        ...errors,
      },
    },
    preHandler,
  }, async (request, reply) => {
    const { code, link } = request.body
    if ((code === undefined) === (link === undefined)) return reply.code(400).send({ success: false, error: 'Give exactly one of code or link' })
    return { success: true as const, ...(await groups.join(request.params.deviceId, (code ?? link)!)) }
  })

  app.get('/api/sessions/:deviceId/groups/:group', {
    schema: {
      summary: 'A group\'s metadata and members (from a cache the group\'s notifications keep current)',
      tags: ['groups'],
      security: KEY_SECURITY,
      params: GroupParams,
      response: { 200: Type.Object({ success: Type.Literal(true), group: GroupSchema }, { examples: [{ success: true, group: EXAMPLE_METADATA }] }), ...errors },
    },
    preHandler,
  }, async (request) => ({ success: true as const, group: groupView(await groups.get(request.params.deviceId, request.params.group)) }))

  app.put('/api/sessions/:deviceId/groups/:group', {
    schema: {
      summary: 'Change the subject, description, settings or picture (any of them; admins only where the group says so)',
      description: 'Each change reaches the members (and comes back as group.updated). A picture comes from an https URL or base64, fetched safely like media to send; picture: null removes it, description: null or "" too.',
      tags: ['groups'],
      security: KEY_SECURITY,
      params: GroupParams,
      body: Type.Object({
        subject: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH })),
        description: Type.Optional(Type.Union([Type.String({ maxLength: MAX_DESCRIPTION_LENGTH }), Type.Null()])),
        announceOnly: Type.Optional(Type.Boolean({ description: 'Only admins may send messages' })),
        locked: Type.Optional(Type.Boolean({ description: 'Only admins may edit the group\'s info' })),
        ephemeralSeconds: Type.Optional(Type.Union(EPHEMERAL_SECONDS.map((s) => Type.Literal(s)), { description: 'Disappearing messages: 0 off, 86400, 604800 or 7776000' })),
        joinApproval: Type.Optional(Type.Boolean({ description: 'Joining by link needs an admin\'s approval' })),
        picture: Type.Optional(Type.Union([MediaSource, Type.Null()])),
      }, { examples: [{ subject: 'Support team (EU)', announceOnly: true }, { ephemeralSeconds: 604800 }, { picture: { url: 'https://example.com/team.png' } }] }),
      response: { 200: Done, ...errors },
    },
    preHandler,
  }, async (request) => {
    await groups.update(request.params.deviceId, request.params.group, request.body)
    return { success: true as const }
  })

  app.post('/api/sessions/:deviceId/groups/:group/participants', {
    schema: {
      summary: 'Add, remove, promote or demote members; one result per person',
      description: 'Someone whose privacy settings refuse being added gets an invite to join instead (status invite_sent).',
      tags: ['groups'],
      security: KEY_SECURITY,
      params: GroupParams,
      body: Type.Object({
        action: Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('promote'), Type.Literal('demote')]),
        participants: Participants,
      }, { examples: [{ action: 'add', participants: ['+1 555 987 6543'] }] }),
      response: {
        200: Type.Object({ success: Type.Literal(true), results: ParticipantResults }, {
          examples: [{ success: true, results: [
            { participant: '+1 555 987 6543', jid: '15559876543@s.whatsapp.net', status: 'ok', code: 200, message: 'Done' },
            { participant: '15550001111', jid: '15550001111@s.whatsapp.net', status: 'invite_sent', code: 403, message: 'Their privacy settings do not allow being added: an invite to join was sent to them instead' },
          ] }],
        }),
        ...errors,
      },
    },
    preHandler,
  }, async (request) => ({
    success: true as const,
    results: await groups.changeParticipants(request.params.deviceId, request.params.group, request.body.action, request.body.participants),
  }))

  app.get('/api/sessions/:deviceId/groups/:group/invite', {
    schema: { summary: 'The group\'s invite code and link (admins only)', tags: ['groups'], security: KEY_SECURITY, params: GroupParams, response: { 200: Invite, ...errors } },
    preHandler,
  }, async (request) => ({ success: true as const, ...(await groups.invite(request.params.deviceId, request.params.group)) }))

  app.post('/api/sessions/:deviceId/groups/:group/invite/revoke', {
    schema: { summary: 'Revoke the invite link; answers the new one (admins only)', tags: ['groups'], security: KEY_SECURITY, params: GroupParams, response: { 200: Invite, ...errors } },
    preHandler,
  }, async (request) => ({ success: true as const, ...(await groups.revokeInvite(request.params.deviceId, request.params.group)) }))

  app.post('/api/sessions/:deviceId/groups/:group/leave', {
    schema: { summary: 'Leave the group', tags: ['groups'], security: KEY_SECURITY, params: GroupParams, response: { 200: Done, ...errors } },
    preHandler,
  }, async (request) => {
    await groups.leave(request.params.deviceId, request.params.group)
    return { success: true as const }
  })

  app.get('/api/sessions/:deviceId/groups/:group/requests', {
    schema: {
      summary: 'Pending requests to join (groups with join approval; admins only)',
      tags: ['groups'],
      security: KEY_SECURITY,
      params: GroupParams,
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          requests: Type.Array(Type.Object({ ...Person.properties, requestedAt: Nullable(Type.String({ format: 'date-time' })), method: Nullable(Type.String()) })),
        }, { examples: [{ success: true, requests: [{ jid: '15559876543@s.whatsapp.net', phoneNumber: '15559876543', lid: '987654321098765@lid', requestedAt: '2026-11-02T09:30:00.000Z', method: 'invite_link' }] }] }),
        ...errors,
      },
    },
    preHandler,
  }, async (request) => ({
    success: true as const,
    requests: (await groups.joinRequests(request.params.deviceId, request.params.group)).map((r) => ({
      ...r,
      requestedAt: isoOrNull(r.requestedAt),
    })),
  }))

  app.post('/api/sessions/:deviceId/groups/:group/requests', {
    schema: {
      summary: 'Approve or reject requests to join; one result per person',
      tags: ['groups'],
      security: KEY_SECURITY,
      params: GroupParams,
      body: Type.Object({
        action: Type.Union([Type.Literal('approve'), Type.Literal('reject')]),
        participants: Participants,
      }, { examples: [{ action: 'approve', participants: ['15559876543'] }] }),
      response: { 200: Type.Object({ success: Type.Literal(true), results: ParticipantResults }), ...errors },
    },
    preHandler,
  }, async (request) => ({
    success: true as const,
    results: await groups.answerJoinRequests(request.params.deviceId, request.params.group, request.body.action === 'approve', request.body.participants),
  }))
}
