import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { ADMIN_KEY, startInProcessServer } from '../support/in-process-server.js'
import { ROUTES } from '../support/routes.js'

// GET /api/events is a never-ending stream; its input handling is tested in events.test.ts.

const SESSION_KEY = 'session-key-for-prop-tests'

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '..', '../../etc/passwd', '%2e%2e%2f', '%00', '\u0000', '<script>alert(1)</script>',
    "' OR 1=1 --", '${jndi:ldap://x}', '__proto__', 'constructor', 'a'.repeat(70), 'x'.repeat(5000), '🙂'.repeat(30),
    'shop-1', 'ghost', '15550002222', '15550002222@s.whatsapp.net', '@g.us', 'NaN', '-1'),
)

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
)

const body = fc.oneof(
  fc.record({ deviceId: hostileValue, number: hostileValue, message: hostileValue, apiKey: hostileValue }, { requiredKeys: [] }),
  fc.record({
    deviceId: fc.constantFrom('shop-1', 'idle'), number: fc.constantFrom('15550002222', '+1 555'), queue: hostileValue,
    image: fc.record({ url: hostileString, base64: hostileString, mimetype: hostileString }, { requiredKeys: [] }),
    location: fc.record({ latitude: hostileValue, longitude: hostileValue }), poll: hostileValue, reaction: hostileValue,
    numbers: fc.array(hostileString, { maxLength: 3 }), sendRatePerMinute: hostileValue, idempotencyKey: hostileValue,
    url: hostileString, events: fc.array(hostileString, { maxLength: 3 }), secret: hostileValue,
    phoneNumber: hostileValue, adminKey: hostileValue,
    messageIds: fc.oneof(hostileValue, fc.array(hostileString, { maxLength: 3 })), state: hostileValue, typingMs: hostileValue,
    seconds: hostileValue, starred: hostileValue, name: hostileValue, about: hostileValue, lastSeen: hostileValue, readReceipts: hostileValue,
    picture: fc.record({ url: hostileString, base64: hostileString }, { requiredKeys: [] }),
    subject: hostileValue, description: hostileValue, participants: fc.oneof(hostileValue, fc.array(hostileString, { maxLength: 3 })),
    action: fc.oneof(hostileValue, fc.constantFrom('add', 'remove', 'promote', 'demote', 'approve', 'reject')),
    announceOnly: hostileValue, locked: hostileValue, ephemeralSeconds: hostileValue, joinApproval: hostileValue,
    code: hostileValue, link: hostileValue, mentions: fc.oneof(hostileValue, fc.array(hostileString, { maxLength: 3 })), mentionAll: hostileValue,
    proxy: fc.oneof(hostileValue, fc.constantFrom('socks5://u:p@127.0.0.1:1', 'http://proxy:3128', 'ftp://x')), markOnline: hostileValue, autoRead: hostileValue,
    ignore: fc.oneof(hostileValue, fc.record({ groups: hostileValue, status: hostileValue, spam: hostileValue }, { requiredKeys: [] })),
    metadata: hostileValue, deviceName: hostileValue, settings: fc.dictionary(hostileString, hostileValue, { maxKeys: 3 }),
    scopes: fc.oneof(hostileValue, fc.array(fc.constantFrom('send', 'read', 'manage', 'admin', ''), { maxLength: 4 })),
  }, { requiredKeys: [] }),
  fc.dictionary(hostileString, hostileValue, { maxKeys: 4 }),
  fc.jsonValue(),
  fc.constant(JSON.parse('{"__proto__": {"admin": true}, "constructor": {"prototype": {}}}') as unknown),
)

const credentials = fc.constantFrom<Record<string, string>>(
  {},
  { authorization: `Bearer ${ADMIN_KEY}` },
  { authorization: `Bearer ${SESSION_KEY}` },
  { 'x-api-key': SESSION_KEY },
  { authorization: 'Bearer wrong-key-0123456789' },
  { authorization: 'Basic YWRtaW46YWRtaW4=' },
  { authorization: 'Bearer' },
  { 'x-api-key': '' },
)

const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain',
  'application/x-www-form-urlencoded', 'multipart/form-data', 'application/xml', '', 'application/json; charset=latin1')

const request = fc.record({
  route: fc.constantFrom(...ROUTES),
  deviceId: hostileString,
  group: fc.oneof(hostileString, fc.constant('120363000000000001@g.us')),
  credentials,
  contentType,
  body: fc.option(body, { nil: undefined }),
  rawBody: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
  query: fc.dictionary(fc.constantFrom('deviceId', 'number', 'message', 'apiKey', 'x', 'status', 'limit', 'before', 'types', 'offset'), hostileString, { maxKeys: 4 }),
})

describe('hostile input on every route', async () => {
  // Throttling has its own tests; here it would only turn random requests into 429s.
  const { server, connector, adminHeaders } = await startInProcessServer({ RATE_LIMIT_PER_MINUTE: '10000000', AUTH_FAILURE_LIMIT: '100000' })
  const { app } = server
  await server.resume()
  // One connected session with a key, one idle session: the states random requests can hit.
  await app.inject({ method: 'POST', url: '/api/sessions', headers: adminHeaders, payload: { deviceId: 'shop-1' } })
  connector.latest('shop-1').emitOpen()
  await app.inject({ method: 'PUT', url: '/api/sessions/shop-1/api-key', headers: adminHeaders, payload: { apiKey: SESSION_KEY } })
  await app.inject({ method: 'POST', url: '/api/sessions', headers: adminHeaders, payload: { deviceId: 'idle' } })
  await app.inject({ method: 'POST', url: '/api/sessions/idle/stop', headers: adminHeaders })

  const read = async (url: string): Promise<string> => (await app.inject({ url, headers: adminHeaders })).body
  const snapshot = async (): Promise<string> =>
    JSON.stringify({
      sessions: server.sessions.list(),
      sockets: connector.connections.map((c) => [c.deviceId, c.closed, c.loggedOut, c.sent.length, c.conversationCalls.length, c.chatCalls.length, c.peopleCalls.length, c.rejectedCalls.length, c.groupCalls.length, c.labelCalls.length, c.channelCalls.length]),
      forgotten: connector.forgotten,
      webhooks: await Promise.all(['shop-1', 'idle'].map((id) => read(`/api/sessions/${id}/webhooks`))),
      keys: await Promise.all(['shop-1', 'idle'].map(async (id) => {
        const { keys } = JSON.parse(await read(`/api/sessions/${id}/keys`)) as { keys?: Array<{ id: string; scopes: string[] }> }
        return keys?.map(({ id: keyId, scopes }) => [keyId, scopes])
      })),
      chats: await read('/api/sessions/shop-1/chats'),
      labels: await read('/api/sessions/shop-1/labels'),
      deliveries: await Promise.all(['failed', 'pending'].map((status) => read(`/api/webhooks/deliveries?status=${status}`))),
    })

  it('covers every registered route', () => {
    for (const { method, path } of ROUTES) assert.ok(app.hasRoute({ method, url: path }), `${method} ${path}`)
  })

  it('never answers 5xx, always JSON, and a 4xx changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const path = input.route.path
          .replace(':group', encodeURIComponent(input.group))
          .replace(/:(deviceId|messageId|webhookId|chat|contact|lid|callId|code|id|keyId|labelId|channel)/g, encodeURIComponent(input.deviceId))
        const payload = input.rawBody ?? (input.body === undefined ? undefined : JSON.stringify(input.body))
        const options: InjectOptions = {
          method: input.route.method,
          url: path,
          query: input.query,
          headers: { ...input.credentials, ...(payload !== undefined && input.contentType ? { 'content-type': input.contentType } : {}) },
          ...(payload !== undefined && input.route.method !== 'GET' ? { payload } : {}),
        }
        const before = await snapshot()
        const response = await app.inject(options)
        const shown = JSON.stringify(options).slice(0, 300)
        assert.ok(response.statusCode < 500, `${response.statusCode} for ${shown}: ${response.body.slice(0, 300)}`)
        assert.match(String(response.headers['content-type']), /^application\/json/, shown)
        const parsed = JSON.parse(response.body) as { success?: unknown; error?: unknown }
        if (response.statusCode >= 400) {
          assert.equal(parsed.success, false, shown)
          assert.equal(typeof parsed.error, 'string', shown)
          assert.ok((await snapshot()) === before, `state changed by a ${response.statusCode}: ${shown}`)
        }
        assert.ok(!response.body.includes(ADMIN_KEY), `admin key leaked: ${shown}`)
        assert.ok(!response.body.includes(SESSION_KEY), `session key leaked: ${shown}`)
      }),
      { numRuns: 600 },
    )
  })
})
