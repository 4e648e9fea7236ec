import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FakeConnector } from '../support/fake-connector.js'
import { startInProcessServer } from '../support/in-process-server.js'

describe('operations: OpenAPI, health, metrics, limits, headers (in-process)', () => {
  it('describes every route in an OpenAPI 3.1 document, with a reference page at /docs', async () => {
    const { server } = await startInProcessServer()
    const docs = await server.app.inject({ url: '/docs' })
    const page = docs.statusCode === 302 ? await server.app.inject({ url: String(docs.headers.location).replace(/^\.\//, '/docs/') }) : docs
    assert.equal(page.statusCode, 200)
    assert.match(String(page.headers['content-type']), /text\/html/)
    assert.match(page.body, /swagger-ui/i)
    assert.ok(!/https?:\/\/(?!localhost)[a-z0-9.-]+\.(com|net|org|io)\//i.test(page.body.replace(/<!--[\s\S]*?-->/g, '')), 'the page loads something from the internet')

    const document = (await server.app.inject({ url: '/docs/json' })).json() as {
      openapi: string
      paths: Record<string, Record<string, { security?: unknown; responses?: Record<string, unknown> }>>
      components: { securitySchemes: Record<string, unknown> }
    }
    assert.equal(document.openapi, '3.1.0')
    assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), ['apiKeyHeader', 'apiKeyQuery', 'bearerAuth'])
    const documented = new Set(Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`)))
    const toOpenApiPath = (url: string): string => url.replace(/:([A-Za-z]+)/g, '{$1}')
    const missing = server.routes.map((r) => `${r.method} ${toOpenApiPath(r.url)}`).filter((route) => !documented.has(route))
    assert.deepEqual(missing, [], `routes missing from the OpenAPI document: ${missing.join(', ')}`)
    assert.ok(server.routes.length >= 29, `only ${server.routes.length} routes registered`)
    const send = document.paths['/api/messages/send']!.post!
    assert.ok(send.security, 'send has no auth scheme')
    assert.ok(send.responses?.['200'] && send.responses['409'], 'send lacks documented responses')
    const read = document.paths['/api/sessions/{deviceId}/chats/{chat}/read']!.post!
    for (const status of ['200', '404', '409', '413', '429', '503', '507']) assert.ok(read.responses?.[status], `mark-read does not document ${status}`)
    const group = document.paths['/api/sessions/{deviceId}/groups/{group}']!
    assert.ok(group.put!.responses?.['413'], 'a group change (a picture in base64) can be larger than the body limit')
    assert.equal(group.get!.responses?.['413'], undefined, 'a GET has no body to be too large')
    assert.equal(document.paths['/health']!.get!.responses?.['507'], undefined, 'health never touches the database')
  })

  it('answers /health at once and /ready once sessions are restored', async () => {
    const { server } = await startInProcessServer()
    assert.deepEqual((await server.app.inject({ url: '/health' })).json(), { status: 'ok' })
    const before = await server.app.inject({ url: '/ready' })
    assert.equal(before.statusCode, 503)
    assert.deepEqual(before.json().checks, { database: true, sessionsRestored: false })
    await server.resume()
    const after = await server.app.inject({ url: '/ready' })
    assert.equal(after.statusCode, 200)
    assert.equal(after.json().status, 'ready')
  })

  it('exposes Prometheus metrics that move with traffic', async () => {
    const connector = new FakeConnector(true)
    const { server, adminHeaders } = await startInProcessServer({}, connector)
    const headers = { ...adminHeaders, 'content-type': 'application/json' }
    await server.app.inject({ method: 'POST', url: '/api/sessions', headers, payload: { deviceId: 'shop' } })
    connector.latest('shop').emitOpen()
    for (let i = 0; i < 3; i++) {
      await server.app.inject({ method: 'POST', url: '/api/messages/send', headers, payload: { deviceId: 'shop', number: '15550002222', message: `m${i}` } })
    }
    connector.latest('shop').emitClose(503)
    const metrics = await server.app.inject({ url: '/metrics' })
    assert.equal(metrics.statusCode, 200)
    assert.match(String(metrics.headers['content-type']), /text\/plain/)
    const value = (pattern: RegExp): number => Number(pattern.exec(metrics.body)?.[1] ?? NaN)
    assert.equal(value(/^wa_api_messages_total\{status="sent",type="text"\} (\d+)/m), 3)
    assert.equal(value(/^wa_api_sessions\{state="reconnecting"\} (\d+)/m), 1)
    assert.equal(value(/^wa_api_disconnects_total\{code="503",reaction="reconnect-later"\} (\d+)/m), 1)
    assert.match(metrics.body, /^wa_api_nodejs_eventloop_lag_seconds \d/m)
    assert.match(metrics.body, /^wa_api_process_resident_memory_bytes \d/m)
    assert.equal(value(/^wa_api_buffer_pool_bytes (\d+)/m), Buffer.poolSize, 'a small heap keeps Node\'s pool')
    assert.doesNotMatch(metrics.body, /wa_api_nodejs_active_(handles|requests|resources)/, 'no metric walks every socket on a scrape')
    if (process.platform === 'linux') {
      assert.equal(metrics.body.match(/^wa_api_process_open_fds /gm)?.length, 1, 'open descriptors reported once')
      assert.ok(value(/^wa_api_process_open_fds (\d+)/m) > 2, 'open descriptors counted')
    }
  })

  it('protects /metrics when METRICS_API_KEY is set', async () => {
    const { server, adminHeaders } = await startInProcessServer({ METRICS_API_KEY: 'metrics-key-0123456789' })
    assert.equal((await server.app.inject({ url: '/metrics' })).statusCode, 401)
    assert.equal((await server.app.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-key-0123456789' } })).statusCode, 200)
    assert.equal((await server.app.inject({ url: '/metrics', headers: adminHeaders })).statusCode, 200)
  })

  it('rate-limits per key and per address with 429 and Retry-After', async () => {
    const { server, adminHeaders } = await startInProcessServer({ RATE_LIMIT_PER_MINUTE: '5' })
    const statuses: number[] = []
    let limited
    for (let i = 0; i < 6; i++) {
      limited = await server.app.inject({ url: '/api/sessions', headers: adminHeaders })
      statuses.push(limited.statusCode)
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429])
    assert.ok(Number(limited!.headers['retry-after']) > 0)
    assert.equal(limited!.json().success, false)
    assert.match(limited!.json().error, /Rate limit/)
    // Another key has its own budget; health checks are never limited.
    assert.equal((await server.app.inject({ url: '/api/sessions', headers: { authorization: 'Bearer other-key-0123456789' } })).statusCode, 403)
    assert.equal((await server.app.inject({ url: '/health' })).statusCode, 200)
  })

  it('throttles a key refused too often from one address, not the other keys used from there', async () => {
    const { server, adminHeaders } = await startInProcessServer({ AUTH_FAILURE_LIMIT: '3' })
    await server.app.inject({ method: 'POST', url: '/api/sessions', headers: adminHeaders, payload: { deviceId: 'shop' } })
    const sessionKey = (await server.app.inject({ method: 'PUT', url: '/api/sessions/shop/api-key', headers: adminHeaders, payload: {} })).json().apiKey as string
    // An integration behind a shared proxy address keeps using a stale key.
    const stale = { authorization: 'Bearer stale-key-0123456789abcdef' }
    const statuses: number[] = []
    let blocked
    for (let i = 0; i < 12; i++) {
      blocked = await server.app.inject({ url: '/api/sessions/shop', headers: stale })
      statuses.push(blocked.statusCode)
    }
    assert.deepEqual(statuses, [403, 403, 403, 429, 429, 429, 429, 429, 429, 429, 429, 429])
    assert.ok(Number(blocked!.headers['retry-after']) > 0)
    assert.match(blocked!.json().error, /failed authentication/)
    // Everyone else behind that address goes on: the admin key, a session key, the dashboard sign-in.
    assert.equal((await server.app.inject({ url: '/api/sessions', headers: adminHeaders })).statusCode, 200)
    assert.equal((await server.app.inject({ url: '/api/sessions/shop', headers: { 'x-api-key': sessionKey } })).statusCode, 200)
    const login = await server.app.inject({ method: 'POST', url: '/api/dashboard/login', payload: { adminKey: adminHeaders.authorization!.slice(7) } })
    assert.equal(login.statusCode, 200)
  })

  it('stops an address guessing with many keys, except for the keys it has used successfully', async () => {
    const { server, adminHeaders } = await startInProcessServer({ AUTH_FAILURE_LIMIT: '3' })
    await server.app.inject({ method: 'POST', url: '/api/sessions', headers: adminHeaders, payload: { deviceId: 'shop' } })
    const sessionKey = (await server.app.inject({ method: 'PUT', url: '/api/sessions/shop/api-key', headers: adminHeaders, payload: {} })).json().apiKey as string
    // Three tries per key is the per-key limit; the address as a whole may fail ten times that.
    for (let i = 0; i < 30; i++) {
      const guess = await server.app.inject({ url: '/api/sessions/shop', headers: { authorization: `Bearer g${String(i).padStart(7, '0')}-0123456789abcdef` } })
      assert.equal(guess.statusCode, 403, `guess ${i}`)
    }
    const next = await server.app.inject({ url: '/api/sessions/shop', headers: { authorization: 'Bearer another-guess-0123456789abcdef' } })
    assert.equal(next.statusCode, 429)
    assert.ok(Number(next.headers['retry-after']) > 0)
    // Even the right key is not tried from there now (a guesser must learn nothing), unless that
    // address had used it successfully: then it is a client of that address, not a guess.
    assert.equal((await server.app.inject({ url: '/api/sessions/shop', headers: { 'x-api-key': sessionKey } })).statusCode, 429)
    assert.equal((await server.app.inject({ url: '/api/sessions', headers: adminHeaders })).statusCode, 200)
    const elsewhere = await server.app.inject({ url: '/api/sessions/shop', headers: { 'x-api-key': sessionKey }, remoteAddress: '10.1.2.3' })
    assert.equal(elsewhere.statusCode, 200)
  })

  it('sends security headers and a request id, and keeps CORS closed unless configured', async () => {
    const { server, adminHeaders } = await startInProcessServer()
    const response = await server.app.inject({ url: '/api/sessions', headers: { ...adminHeaders, origin: 'https://evil.example', 'x-request-id': 'trace-123' } })
    assert.match(String(response.headers['content-security-policy']), /default-src 'self'/)
    assert.equal(response.headers['x-content-type-options'], 'nosniff')
    assert.equal(response.headers['x-frame-options'], 'SAMEORIGIN')
    assert.equal(response.headers['x-request-id'], 'trace-123')
    assert.equal(response.headers['access-control-allow-origin'], undefined)
    const generated = await server.app.inject({ url: '/health', headers: { 'x-request-id': 'bad id with spaces' } })
    assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/)

    const open = await startInProcessServer({ CORS_ORIGINS: 'https://app.example.com' })
    const preflight = await open.server.app.inject({
      method: 'OPTIONS', url: '/api/sessions',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    })
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example.com')
    const foreign = await open.server.app.inject({ url: '/health', headers: { origin: 'https://evil.example' } })
    assert.equal(foreign.headers['access-control-allow-origin'], undefined)
  })
})
