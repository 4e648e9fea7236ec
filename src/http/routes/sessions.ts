import { type Static, Type, type FastifyPluginAsyncTypebox, type TSchema } from '@fastify/type-provider-typebox'
import QRCode from 'qrcode'
import { conflict, invalidInput } from '../../errors.js'
import { KEY_SCOPES, type KeyScope as KeyScopeName, MAX_KEY_NAME, type SessionKeys } from '../../sessions/session-keys.js'
import { maskApiKey } from '../../security/api-keys.js'
import type { ScopedKeyRecord } from '../../store/ports.js'
import type { SessionPosition } from '../../sessions/session-listing.js'
import type { SessionManager } from '../../sessions/session-manager.js'
import { MAX_DEVICE_NAME, MAX_METADATA_BYTES, MAX_REJECT_CALL_MESSAGE } from '../../sessions/session-settings.js'
import type { Authenticator } from '../auth.js'
import { type SessionRouting, toSessionNode } from '../session-routing.js'
import { ConnectionState, DeviceId, DeviceIdParams, ErrorResponse, KEY_SECURITY, SessionResponse, SessionSummary, SuccessMessage } from '../schemas.js'
import { sessionView } from '../session-view.js'
import { isoOrNull } from '../../time.js'

export interface SessionRoutesDeps {
  sessions: SessionManager
  keys: SessionKeys
  auth: Authenticator
  routing: SessionRouting
}

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse }

/** The most sessions one page of GET /api/sessions holds. */
const MAX_PAGE = 1000

/** A page's end as an opaque cursor: where the list goes on, even once that session is deleted. */
const cursorOf = (position: SessionPosition): string => Buffer.from(`${position.createdAt}.${position.deviceId}`).toString('base64url')

function positionOf(cursor: string): SessionPosition {
  const match = /^(\d{1,16})\.(.+)$/.exec(Buffer.from(cursor, 'base64url').toString())
  if (!match) throw invalidInput('cursor: not a nextCursor this server gave')
  return { createdAt: Number(match[1]), deviceId: match[2]! }
}

/**
 * The schema, or null, as one JSON type list: a union would let AJV's type coercion turn 0, false
 * or '' into null in the null branch (or null into 0, false or '' in the other), so 0 would not stay 0.
 */
const nullable = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, type: [(schema as { type?: string }).type, 'null'] })

/** Every setting a session takes; null restores a default. Unknown fields are refused. */
const SettingsBody = Type.Object({
  sendRatePerMinute: Type.Optional(nullable(Type.Integer({ minimum: 0, maximum: 100_000, description: 'Messages per minute, 0 unlimited, null for SEND_RATE_PER_MINUTE' }))),
  rejectCalls: Type.Optional(Type.Boolean({ description: 'Reject every incoming call as it rings (call.received is still sent)' })),
  rejectCallMessage: Type.Optional(nullable(Type.String({ maxLength: MAX_REJECT_CALL_MESSAGE, description: 'Texted to the caller after a rejected call; null or empty for none' }))),
  proxy: Type.Optional(nullable(Type.String({
    maxLength: 2048,
    description: 'http://, https:// or socks5:// proxy (user:pass@ optional) for this session\'s WhatsApp socket and media; null uses WHATSAPP_PROXY. Changing it reconnects the session.',
  }))),
  markOnline: Type.Optional(nullable(Type.Boolean({ description: 'Show the account online while connected (default false: the phone keeps getting notifications)' }))),
  autoRead: Type.Optional(nullable(Type.Boolean({ description: 'Send read receipts for received messages as they arrive' }))),
  ignore: Type.Optional(nullable(Type.Object({
    groups: Type.Optional(Type.Boolean()),
    status: Type.Optional(Type.Boolean()),
    channels: Type.Optional(Type.Boolean()),
    broadcast: Type.Optional(Type.Boolean()),
  }, { additionalProperties: false, description: 'Kinds of received messages neither stored nor evented; replaces the previous choice, kinds left out are received' }))),
  metadata: Type.Optional(nullable(Type.Record(Type.String(), Type.Unknown(), {
    description: `Your own JSON object (at most ${MAX_METADATA_BYTES} bytes), echoed as metadata in every event of the session`,
  }))),
  deviceName: Type.Optional(nullable(Type.String({ maxLength: 200, description: `What the phone lists under Linked devices (1 to ${MAX_DEVICE_NAME} characters), used at the next pairing` }))),
}, {
  additionalProperties: false,
  examples: [
    { sendRatePerMinute: 20 },
    { rejectCalls: true, rejectCallMessage: 'We cannot take calls here; please write to us.' },
    { proxy: 'socks5://user:secret@proxy.example.com:1080', markOnline: false, autoRead: true, ignore: { groups: true, status: true }, metadata: { tenant: 'acme' } },
  ],
})

const KeyScope = Type.Unsafe<KeyScopeName>({
  type: 'string',
  enum: [...KEY_SCOPES],
  description: 'send: send messages and read their statuses; read: chats, messages, contacts, groups, events; manage: chat and group actions, profile and privacy, webhooks',
})

const ScopedKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(KeyScope),
  keyMasked: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'To the minute' }),
}, { title: 'SessionKey' })

const scopedKeyView = (record: ScopedKeyRecord) => ({
  id: record.id,
  name: record.name,
  scopes: record.scopes as KeyScopeName[],
  keyMasked: maskApiKey(record.keyPrefix),
  createdAt: new Date(record.createdAt).toISOString(),
  lastUsedAt: isoOrNull(record.lastUsedAt),
})

/** Renders QR images once per code: dashboards poll, codes change every 20 s at most. */
function createQrRenderer(): (code: string) => Promise<string> {
  const rendered = new Map<string, Promise<string>>()
  const MAX_CACHED = 256
  return (code) => {
    let image = rendered.get(code)
    if (!image) {
      image = QRCode.toDataURL(code, { errorCorrectionLevel: 'L', margin: 2, width: 300 })
      rendered.set(code, image)
      if (rendered.size > MAX_CACHED) rendered.delete(rendered.keys().next().value!)
    }
    return image
  }
}

export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesDeps> = async (app, { sessions, keys, auth, routing }) => {
  const renderQr = createQrRenderer()
  const adminOnly = { onRequest: async (request: Parameters<Authenticator['requireAdmin']>[0]) => auth.requireAdmin(request) }
  /** Admin routes that need the session's socket, answered by the node running it. */
  const adminOnSessionNode = { ...adminOnly, preHandler: toSessionNode(routing) }

  app.get('/api/sessions', {
    ...adminOnly,
    schema: {
      summary: 'List sessions (all of them, or a page)',
      description: 'In creation order. Without limit every matching session is returned; with limit, a page of them and nextCursor for the next one (null on the last page).',
      tags: ['sessions'],
      security: KEY_SECURITY,
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, description: `Sessions per page, at most ${MAX_PAGE}` })),
        cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'nextCursor of the previous page (with the same filters)' })),
        state: Type.Optional(ConnectionState),
        search: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the device id, phone number or push name, any case' })),
      }),
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          sessions: Type.Array(SessionSummary),
          total: Type.Integer({ description: 'Sessions matching state and search, on all pages' }),
          nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null when this is the last' }),
        }),
        ...errors,
      },
    },
  }, async (request) => {
    const { limit, cursor, state, search } = request.query
    const page = sessions.page({ state, search }, cursor === undefined ? undefined : positionOf(cursor), limit ?? Number.POSITIVE_INFINITY)
    return { success: true as const, sessions: page.sessions.map(sessionView), total: page.total, nextCursor: page.next && cursorOf(page.next) }
  })

  app.post('/api/sessions', {
    ...adminOnly,
    schema: {
      summary: 'Create a session and start linking it (its QR code follows)',
      tags: ['sessions'],
      security: KEY_SECURITY,
      body: Type.Object({ deviceId: DeviceId, settings: Type.Optional(SettingsBody) }, { examples: [{ deviceId: 'sales' }, { deviceId: 'support', settings: { rejectCalls: true, metadata: { team: 'support' } } }] }),
      response: {
        201: Type.Object({
          success: Type.Literal(true),
          message: Type.String(),
          deviceId: Type.String(),
          session: SessionSummary,
        }),
        ...errors,
      },
    },
  }, async (request, reply) => {
    const info = await sessions.create(request.body.deviceId, request.body.settings)
    return reply.status(201).send({ success: true, message: 'Session created', deviceId: info.deviceId, session: sessionView(info) })
  })

  app.get('/api/sessions/:deviceId', {
    schema: {
      summary: 'Get session details (admin key or this session\'s key)',
      tags: ['sessions'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      response: { 200: SessionResponse, ...errors },
    },
    preHandler: async (request) => auth.requireSessionAccess(request, request.params.deviceId),
  }, async (request) => ({ success: true as const, session: sessionView(sessions.get(request.params.deviceId)) }))

  app.get('/api/sessions/:deviceId/qr', {
    ...adminOnly,
    schema: {
      summary: 'Get the current QR code to link the session',
      tags: ['sessions'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          qrCode: Type.String(),
          qrImage: Type.String({ description: 'PNG data URL' }),
          expiresAt: Type.String({ format: 'date-time' }),
        }),
        ...errors,
      },
    },
  }, async (request) => {
    const info = sessions.get(request.params.deviceId)
    if (info.connectionState === 'connected') {
      throw conflict('Session is already connected', { connectionState: info.connectionState })
    }
    if (!info.qr) {
      const hint = info.isActive ? 'QR code not generated yet; try again shortly' : 'Session is not running; start it to get a QR code'
      throw conflict(hint, { connectionState: info.connectionState })
    }
    return {
      success: true as const,
      qrCode: info.qr.code,
      qrImage: await renderQr(info.qr.code),
      expiresAt: new Date(info.qr.expiresAt).toISOString(),
    }
  })

  app.put('/api/sessions/:deviceId/api-key', {
    ...adminOnly,
    schema: {
      summary: 'Generate or set the session API key (returned once, in full)',
      tags: ['sessions'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      body: Type.Optional(Type.Object({ apiKey: Type.Optional(Type.String({ minLength: 16, maxLength: 256 })) })),
      response: {
        200: Type.Object({ success: Type.Literal(true), message: Type.String(), apiKey: Type.String() }),
        ...errors,
      },
    },
  }, async (request) => {
    const apiKey = await keys.issue(request.params.deviceId, request.body?.apiKey)
    return { success: true as const, message: 'API key updated', apiKey }
  })

  app.post('/api/sessions/:deviceId/keys', {
    ...adminOnly,
    schema: {
      summary: 'Create a named key with scopes for this session (returned once, in full)',
      description: 'A request outside the key\'s scopes is a 403 naming the missing scope. The session\'s own key (PUT .../api-key) has every scope.',
      tags: ['sessions'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: MAX_KEY_NAME }),
        scopes: Type.Array(KeyScope, { minItems: 1, maxItems: KEY_SCOPES.length, uniqueItems: true }),
      }, { additionalProperties: false, examples: [{ name: 'billing bot', scopes: ['send'] }, { name: 'CRM sync', scopes: ['read', 'manage'] }] }),
      response: { 201: Type.Object({ success: Type.Literal(true), key: ScopedKeyView, apiKey: Type.String() }), ...errors },
    },
  }, async (request, reply) => {
    const { record, apiKey } = await keys.create(request.params.deviceId, request.body.name, request.body.scopes)
    return reply.status(201).send({ success: true as const, key: scopedKeyView(record), apiKey })
  })

  app.get('/api/sessions/:deviceId/keys', {
    ...adminOnly,
    schema: {
      summary: 'List this session\'s named keys (masked)',
      tags: ['sessions'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      response: { 200: Type.Object({ success: Type.Literal(true), keys: Type.Array(ScopedKeyView) }), ...errors },
    },
  }, async (request) => ({ success: true as const, keys: (await keys.list(request.params.deviceId)).map(scopedKeyView) }))

  app.delete('/api/sessions/:deviceId/keys/:keyId', {
    ...adminOnly,
    schema: {
      summary: 'Revoke a named key, at once on every node',
      tags: ['sessions'],
      security: KEY_SECURITY,
      params: Type.Object({ deviceId: DeviceId, keyId: Type.String({ pattern: '^key_[0-9a-f]{16}$' }) }),
      response: { 200: SuccessMessage, ...errors },
    },
  }, async (request) => {
    await keys.revoke(request.params.deviceId, request.params.keyId)
    return { success: true as const, message: 'Key revoked' }
  })

  app.put('/api/sessions/:deviceId/settings', {
    ...adminOnSessionNode,
    schema: {
      summary: 'Change session settings (any of them): pacing, calls, proxy, presence, read receipts, filters, metadata, device name',
      description: 'Fields left out keep their value; null restores a default. A new proxy reconnects the session. Unknown fields are a 400.',
      tags: ['sessions'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      body: SettingsBody,
      response: { 200: SessionResponse, ...errors },
    },
  }, async (request) => ({
    success: true as const,
    message: 'Settings updated',
    session: sessionView(await sessions.updateSettings(request.params.deviceId, request.body)),
  }))

  app.post('/api/sessions/:deviceId/pairing-code', {
    ...adminOnSessionNode,
    schema: {
      summary: 'Link with a pairing code instead of a QR: enter the returned code on the phone',
      description: 'The session must be running and not yet linked. On the phone: Linked devices > Link a device > Link with phone number instead.',
      tags: ['sessions'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      body: Type.Object({ phoneNumber: Type.String({ minLength: 6, maxLength: 32, description: 'The phone number of the account to link, with country code' }) }),
      response: { 200: Type.Object({ success: Type.Literal(true), code: Type.String() }), ...errors, 502: ErrorResponse },
    },
  }, async (request) => ({
    success: true as const,
    code: await sessions.requestPairingCode(request.params.deviceId, request.body.phoneNumber),
  }))

  app.delete('/api/sessions/:deviceId', {
    ...adminOnSessionNode,
    schema: {
      summary: 'Delete a session and all its data (the phone link is kept on the phone side until removed there)',
      tags: ['sessions'],
      security: KEY_SECURITY,
      params: DeviceIdParams,
      response: { 200: SuccessMessage, ...errors },
    },
  }, async (request) => {
    await sessions.delete(request.params.deviceId)
    return { success: true as const, message: 'Session deleted' }
  })

  const actions = [
    ['start', 'Start (connect) the session', 'Session started', (id: string) => sessions.start(id)],
    ['stop', 'Stop the session; the link to the phone is kept', 'Session stopped', (id: string) => sessions.stop(id)],
    ['restart', 'Stop and start the session', 'Session restarted', (id: string) => sessions.restart(id)],
    ['logout', 'Unlink from the phone and wipe the credentials', 'Session logged out', (id: string) => sessions.logout(id)],
  ] as const

  for (const [action, summary, done, run] of actions) {
    app.post(`/api/sessions/:deviceId/${action}`, {
      ...adminOnSessionNode,
      schema: { summary, tags: ['sessions'], security: KEY_SECURITY, params: DeviceIdParams, response: { 200: SessionResponse, ...errors } },
    }, async (request) => ({ success: true as const, message: done, session: sessionView(await run(request.params.deviceId)) }))
  }
}
