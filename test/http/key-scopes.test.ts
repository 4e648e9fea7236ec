import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { InjectOptions } from 'fastify'
import { startInProcessServer } from '../support/in-process-server.js'
import { multipartBody } from '../support/multipart.js'
import { ROUTES } from '../support/routes.js'

type Scope = 'send' | 'read' | 'manage'
/** Who may call a route: the admin only, anyone (no key), or a session key with one of these scopes. */
type Access = 'admin' | 'public' | Scope[]

const CONTACT = '15550001111@s.whatsapp.net'
const GROUP = '120363000000000001@g.us'

/** The expected access of every route, written out by hand: a new route must be classified here. */
const ACCESS: Record<string, Access> = {
  'GET /api/sessions': 'admin',
  'POST /api/sessions': 'admin',
  'GET /api/sessions/:deviceId': ['read'],
  'DELETE /api/sessions/:deviceId': 'admin',
  'GET /api/sessions/:deviceId/qr': 'admin',
  'PUT /api/sessions/:deviceId/api-key': 'admin',
  'PUT /api/sessions/:deviceId/settings': 'admin',
  'POST /api/sessions/:deviceId/keys': 'admin',
  'GET /api/sessions/:deviceId/keys': 'admin',
  'DELETE /api/sessions/:deviceId/keys/:keyId': 'admin',
  'POST /api/sessions/:deviceId/check-numbers': ['send', 'read'],
  'GET /api/sessions/:deviceId/groups': ['read'],
  'POST /api/sessions/:deviceId/start': 'admin',
  'POST /api/sessions/:deviceId/stop': 'admin',
  'POST /api/sessions/:deviceId/restart': 'admin',
  'POST /api/sessions/:deviceId/logout': 'admin',
  'POST /api/messages/send': ['send'],
  'GET /api/messages/send': ['send'],
  'GET /api/messages/:messageId': ['send', 'read'],
  'POST /api/messages/send-file': ['send'],
  'GET /api/sessions/:deviceId/webhooks': ['manage'],
  'POST /api/sessions/:deviceId/webhooks': ['manage'],
  'DELETE /api/sessions/:deviceId/webhooks/:webhookId': ['manage'],
  'GET /api/webhooks/deliveries': ['manage'],
  'POST /api/webhooks/deliveries/:id/redeliver': ['manage'],
  'GET /api/sessions/:deviceId/chats': ['read'],
  'GET /api/sessions/:deviceId/chats/:chat/messages': ['read'],
  'GET /api/sessions/:deviceId/messages/:messageId/media': ['read'],
  'POST /api/sessions/:deviceId/chats/:chat/read': ['manage'],
  'POST /api/sessions/:deviceId/chats/:chat/presence': ['send', 'manage'],
  'POST /api/sessions/:deviceId/presence': ['manage'],
  'POST /api/sessions/:deviceId/contacts/:contact/presence/subscribe': ['manage'],
  'GET /api/sessions/:deviceId/contacts': ['read'],
  'GET /api/sessions/:deviceId/contacts/:contact': ['read'],
  'POST /api/sessions/:deviceId/contacts/:contact/block': ['manage'],
  'POST /api/sessions/:deviceId/contacts/:contact/unblock': ['manage'],
  'GET /api/sessions/:deviceId/blocklist': ['read'],
  'GET /api/sessions/:deviceId/lids/:lid': ['read'],
  'GET /api/sessions/:deviceId/profile': ['read'],
  'PUT /api/sessions/:deviceId/profile': ['manage'],
  'DELETE /api/sessions/:deviceId/profile/picture': ['manage'],
  'GET /api/sessions/:deviceId/profile/privacy': ['read'],
  'PUT /api/sessions/:deviceId/profile/privacy': ['manage'],
  'POST /api/sessions/:deviceId/calls/:callId/reject': ['manage'],
  'POST /api/sessions/:deviceId/groups': ['manage'],
  'GET /api/sessions/:deviceId/groups/invites/:code': ['read'],
  'POST /api/sessions/:deviceId/groups/join': ['manage'],
  'GET /api/sessions/:deviceId/groups/:group': ['read'],
  'PUT /api/sessions/:deviceId/groups/:group': ['manage'],
  'POST /api/sessions/:deviceId/groups/:group/participants': ['manage'],
  'GET /api/sessions/:deviceId/groups/:group/invite': ['read'],
  'POST /api/sessions/:deviceId/groups/:group/invite/revoke': ['manage'],
  'POST /api/sessions/:deviceId/groups/:group/leave': ['manage'],
  'GET /api/sessions/:deviceId/groups/:group/requests': ['read'],
  'POST /api/sessions/:deviceId/groups/:group/requests': ['manage'],
  ...Object.fromEntries(['archive', 'unarchive', 'pin', 'unpin', 'mute', 'unmute', 'unread']
    .map((action) => [`POST /api/sessions/:deviceId/chats/:chat/${action}`, ['manage']])),
  'DELETE /api/sessions/:deviceId/chats/:chat': ['manage'],
  'POST /api/sessions/:deviceId/chats/:chat/messages/:messageId/star': ['manage'],
  'DELETE /api/sessions/:deviceId/chats/:chat/messages/:messageId': ['manage'],
  'GET /api/sessions/:deviceId/labels': ['read'],
  'POST /api/sessions/:deviceId/labels': ['manage'],
  'GET /api/sessions/:deviceId/labels/:labelId': ['read'],
  'PUT /api/sessions/:deviceId/labels/:labelId': ['manage'],
  'DELETE /api/sessions/:deviceId/labels/:labelId': ['manage'],
  'GET /api/sessions/:deviceId/chats/:chat/labels': ['read'],
  'PUT /api/sessions/:deviceId/chats/:chat/labels': ['manage'],
  'POST /api/sessions/:deviceId/status': ['send'],
  'DELETE /api/sessions/:deviceId/status/:messageId': ['send'],
  'GET /api/sessions/:deviceId/channels': ['read'],
  'POST /api/sessions/:deviceId/channels': ['manage'],
  'GET /api/sessions/:deviceId/channels/:channel': ['read'],
  ...Object.fromEntries(['follow', 'unfollow', 'mute', 'unmute']
    .map((action) => [`POST /api/sessions/:deviceId/channels/:channel/${action}`, ['manage']])),
  'POST /api/sessions/:deviceId/pairing-code': 'admin',
  'POST /api/dashboard/login': 'public',
  'GET /api/dashboard/session': 'public',
  'POST /api/dashboard/logout': 'public',
  'GET /health': 'public',
  'GET /ready': 'public',
}

/** A body each route accepts, so the request gets past validation to the key check. */
const BODIES: Record<string, unknown> = {
  'POST /api/sessions': { deviceId: 'other' },
  'PUT /api/sessions/:deviceId/settings': { markOnline: false },
  'POST /api/sessions/:deviceId/keys': { name: 'x', scopes: ['read'] },
  'POST /api/sessions/:deviceId/check-numbers': { numbers: ['15550001111'] },
  'POST /api/messages/send': { deviceId: 'desk', number: '15550001111', message: 'hi' },
  'POST /api/sessions/:deviceId/webhooks': { url: 'https://hooks.example.com/x' },
  'POST /api/sessions/:deviceId/chats/:chat/presence': { state: 'typing' },
  'POST /api/sessions/:deviceId/presence': { state: 'online' },
  'PUT /api/sessions/:deviceId/profile': { about: 'hello' },
  'PUT /api/sessions/:deviceId/profile/privacy': { lastSeen: 'contacts' },
  'POST /api/sessions/:deviceId/groups': { subject: 'Team', participants: ['15550001111'] },
  'POST /api/sessions/:deviceId/groups/join': { code: 'ABCDEFGHIJ' },
  'PUT /api/sessions/:deviceId/groups/:group': { subject: 'Renamed' },
  'POST /api/sessions/:deviceId/groups/:group/participants': { action: 'add', participants: ['15550001111'] },
  'POST /api/sessions/:deviceId/groups/:group/requests': { action: 'approve', participants: ['15550001111'] },
  'POST /api/sessions/:deviceId/chats/:chat/mute': { seconds: 3600 },
  'POST /api/sessions/:deviceId/labels': { name: 'VIP' },
  'PUT /api/sessions/:deviceId/labels/:labelId': { name: 'Paid' },
  'PUT /api/sessions/:deviceId/chats/:chat/labels': { labelIds: [] },
  'POST /api/sessions/:deviceId/status': { audience: ['15550001111'], message: 'hi' },
  'POST /api/sessions/:deviceId/channels': { name: 'News' },
  'POST /api/sessions/:deviceId/pairing-code': { phoneNumber: '15550001111' },
  'POST /api/dashboard/login': { adminKey: 'not-the-key-0123456789' },
}

describe('named keys: every route tried with every scope', async () => {
  const { server, connector, adminHeaders } = await startInProcessServer({
    RATE_LIMIT_PER_MINUTE: '10000000', AUTH_FAILURE_LIMIT: '100000', ALLOW_PRIVATE_URLS: 'true',
  })
  const { app } = server
  await server.resume()
  const admin = (options: InjectOptions) => app.inject({ ...options, headers: { ...adminHeaders, ...options.headers } })
  await admin({ method: 'POST', url: '/api/sessions', payload: { deviceId: 'desk' } })
  connector.latest('desk').emitOpen()
  await admin({ method: 'POST', url: '/api/sessions', payload: { deviceId: 'elsewhere' } })
  const keyWith = async (deviceId: string, scopes: Scope[]): Promise<string> =>
    (await admin({ method: 'POST', url: `/api/sessions/${deviceId}/keys`, payload: { name: scopes.join('+'), scopes } })).json().apiKey
  const keys: Record<Scope, string> = { send: await keyWith('desk', ['send']), read: await keyWith('desk', ['read']), manage: await keyWith('desk', ['manage']) }
  const sent = (await admin({ method: 'POST', url: '/api/messages/send', payload: { deviceId: 'desk', number: '15550001111', message: 'x', queue: true } })).json()
  await admin({ method: 'POST', url: '/api/sessions/desk/webhooks', payload: { url: 'http://127.0.0.1:9/hook' } })
  connector.latest('desk').emitClose(500)
  const { deliveries } = (await admin({ url: '/api/webhooks/deliveries?status=pending&deviceId=desk' })).json()
  const { keys: listed } = (await admin({ url: '/api/sessions/desk/keys' })).json()

  const request = (route: { method: InjectOptions['method']; path: string }, key: string): InjectOptions => {
    const name = `${route.method} ${route.path}`
    const url = route.path
      .replace(':deviceId', 'desk').replace(':chat', CONTACT).replace(':contact', '15550001111').replace(':group', GROUP)
      .replace(':messageId', route.path.startsWith('/api/messages') ? sent.messageId : 'NOT-STORED')
      .replace(':webhookId', 'wh_0').replace(':id', String(deliveries[0]?.id ?? 1)).replace(':lid', '123456789')
      .replace(':callId', 'CALL1').replace(':code', 'ABCDEFGHIJ').replace(':keyId', listed[0].id)
      .replace(':labelId', '1').replace(':channel', '120363000000000001@newsletter')
    const headers = { authorization: `Bearer ${key}` }
    if (name === 'POST /api/messages/send-file') {
      const multipart = multipartBody({ deviceId: 'desk', number: '15550001111' }, { fileName: 'a.txt', mimetype: 'text/plain', data: Buffer.from('hi') })
      return { method: route.method, url, payload: multipart.payload, headers: { ...headers, ...multipart.headers } }
    }
    const query = { 'GET /api/messages/send': '?deviceId=desk&number=15550001111&message=hi', 'GET /api/webhooks/deliveries': '?deviceId=desk' }[name] ?? ''
    return { method: route.method, url: url + query, headers, ...(BODIES[name] ? { payload: BODIES[name] as Record<string, unknown> } : {}) }
  }

  it('classifies every route the server registers', () => {
    assert.deepEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort(), Object.keys(ACCESS).sort())
    const registered = server.routes
      .filter((route) => route.method !== 'HEAD' && route.method !== 'OPTIONS' && (route.url.startsWith('/api/') || route.url === '/health' || route.url === '/ready'))
      .map((route) => `${route.method} ${route.url}`)
    // Tried elsewhere: the event streams never end (test/http/events.test.ts, test/e2e/event-transports.test.ts), the cluster view is the admin's.
    const elsewhere = ['GET /api/events', 'GET /api/events/ws', 'GET /api/cluster']
    assert.deepEqual(registered.filter((route) => !elsewhere.includes(route)).sort(), Object.keys(ACCESS).sort())
  })

  it('lets a named key through exactly where one of its scopes is enough, and names the missing scope elsewhere', async () => {
    for (const route of ROUTES) {
      const access = ACCESS[`${route.method} ${route.path}`]!
      if (access === 'public') continue
      for (const [scope, key] of Object.entries(keys) as Array<[Scope, string]>) {
        const response = await app.inject(request(route, key))
        const shown = `${scope} key on ${route.method} ${route.path}: ${response.statusCode} ${response.body.slice(0, 200)}`
        if (access !== 'admin' && access.includes(scope)) {
          assert.ok(response.statusCode !== 401 && response.statusCode !== 403, shown)
        } else {
          assert.equal(response.statusCode, 403, shown)
          if (access !== 'admin') assert.equal(response.json().missingScope, access[0], shown)
        }
      }
    }
  })

  it('keeps the event stream to keys with the read scope', async () => {
    for (const scope of ['send', 'manage'] as const) {
      for (const url of ['/api/events?deviceId=desk', '/api/events/ws?deviceId=desk']) {
        const refused = await app.inject({ url, headers: { authorization: `Bearer ${keys[scope]}` } })
        assert.deepEqual([refused.statusCode, refused.json().missingScope], [403, 'read'], `${scope} on ${url}`)
      }
    }
  })

  it('refuses a named key on another session, and stops a revoked key at once', async () => {
    const other = await app.inject({ url: '/api/sessions/elsewhere', headers: { authorization: `Bearer ${keys.read}` } })
    assert.equal(other.statusCode, 403)
    assert.equal(other.json().missingScope, undefined)
    const readKey = listed.find((key: { scopes: string[] }) => key.scopes.join() === 'read')
    assert.equal((await admin({ method: 'DELETE', url: `/api/sessions/desk/keys/${readKey.id}` })).statusCode, 200)
    assert.equal((await app.inject({ url: '/api/sessions/desk', headers: { authorization: `Bearer ${keys.read}` } })).statusCode, 403)
    assert.equal((await admin({ method: 'DELETE', url: `/api/sessions/desk/keys/${readKey.id}` })).statusCode, 404)
  })

  it('lists keys masked with their last use, never the key itself', async () => {
    const response = await admin({ url: '/api/sessions/desk/keys' })
    const body = response.json()
    assert.deepEqual(body.keys.map((key: { name: string; scopes: string[] }) => [key.name, key.scopes]), [['send', ['send']], ['manage', ['manage']]])
    const sendKey = body.keys[0]
    assert.equal(sendKey.keyMasked, `${keys.send.slice(0, 8)}...`)
    assert.ok(Date.parse(sendKey.lastUsedAt) > Date.now() - 60_000)
    for (const key of Object.values(keys)) assert.equal(response.body.includes(key), false)
    const tooMany = await admin({ method: 'POST', url: '/api/sessions/desk/keys', payload: { name: 'x', scopes: ['owner'] } })
    assert.equal(tooMany.statusCode, 400)
  })
})
