import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { InjectOptions } from 'fastify'
import { startInProcessServer } from '../support/in-process-server.js'

const json = { 'content-type': 'application/json' }

describe('HTTP routes (real app and SQLite, hand-driven WhatsApp connection)', async () => {
  const { server, connector, adminHeaders } = await startInProcessServer({ BODY_LIMIT_BYTES: '1048576' })
  const { app } = server
  const admin = { ...adminHeaders, ...json }

  it('creates a session that starts at once and shows its QR', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/sessions', headers: admin, payload: { deviceId: 'shop-1' } })
    assert.equal(created.statusCode, 201)
    assert.deepEqual(
      { ...created.json<Record<string, unknown>>(), session: undefined },
      { success: true, message: 'Session created', deviceId: 'shop-1', session: undefined },
    )
    assert.equal(connector.open('shop-1').length, 1)

    const early = await app.inject({ url: '/api/sessions/shop-1/qr', headers: adminHeaders })
    assert.equal(early.statusCode, 409)
    assert.match(early.json().error, /not generated yet/)

    connector.latest('shop-1').emitQr('2@ref,noise,identity,adv', Date.now() + 60_000)
    const qr = await app.inject({ url: '/api/sessions/shop-1/qr', headers: adminHeaders })
    assert.equal(qr.statusCode, 200)
    assert.equal(qr.json().qrCode, '2@ref,noise,identity,adv')
    assert.match(qr.json().qrImage, /^data:image\/png;base64,[A-Za-z0-9+/=]+$/)
  })

  it('refuses a second session with the same id', async () => {
    const again = await app.inject({ method: 'POST', url: '/api/sessions', headers: admin, payload: { deviceId: 'shop-1' } })
    assert.equal(again.statusCode, 409)
    assert.deepEqual(again.json(), { success: false, error: 'Session "shop-1" already exists' })
  })

  it('lists sessions with the seed fields and the live state', async () => {
    connector.latest('shop-1').emitOpen({ jid: '15550001111:7@s.whatsapp.net', phoneNumber: '15550001111', pushName: 'Shop' })
    const list = await app.inject({ url: '/api/sessions', headers: adminHeaders })
    assert.equal(list.statusCode, 200)
    const [session] = list.json().sessions
    assert.deepEqual(
      { deviceId: session.deviceId, connectionState: session.connectionState, hasApiKey: session.hasApiKey, phoneNumber: session.phoneNumber, isActive: session.isActive },
      { deviceId: 'shop-1', connectionState: 'connected', hasApiKey: false, phoneNumber: '15550001111', isActive: true },
    )
    const qr = await app.inject({ url: '/api/sessions/shop-1/qr', headers: adminHeaders })
    assert.equal(qr.statusCode, 409)
    assert.deepEqual(qr.json(), { success: false, error: 'Session is already connected', connectionState: 'connected' })
  })

  it('issues a key shown once, stored masked, usable only for its session', async () => {
    const issued = await app.inject({ method: 'PUT', url: '/api/sessions/shop-1/api-key', headers: admin, payload: {} })
    assert.equal(issued.statusCode, 200)
    const { apiKey } = issued.json()
    assert.match(apiKey, /^[0-9a-f]{32}$/)

    const details = await app.inject({ url: '/api/sessions/shop-1', headers: { authorization: `Bearer ${apiKey}` } })
    assert.equal(details.statusCode, 200)
    assert.equal(details.json().session.apiKeyMasked, `${apiKey.slice(0, 8)}...`)
    assert.ok(!details.body.includes(apiKey))

    await app.inject({ method: 'POST', url: '/api/sessions', headers: admin, payload: { deviceId: 'other' } })
    const foreign = await app.inject({ url: '/api/sessions/other', headers: { 'x-api-key': apiKey } })
    assert.equal(foreign.statusCode, 403)
    const management = await app.inject({ url: '/api/sessions', headers: { authorization: `Bearer ${apiKey}` } })
    assert.equal(management.statusCode, 403)
  })

  it('accepts a custom key of 16+ characters and refuses a shorter one', async () => {
    const short = await app.inject({ method: 'PUT', url: '/api/sessions/shop-1/api-key', headers: admin, payload: { apiKey: 'short' } })
    assert.equal(short.statusCode, 400)
    assert.match(short.json().error, /apiKey/)
    const custom = await app.inject({ method: 'PUT', url: '/api/sessions/shop-1/api-key', headers: admin, payload: { apiKey: 'my-own-custom-key-123' } })
    assert.equal(custom.json().apiKey, 'my-own-custom-key-123')
  })

  it('sends through POST with Bearer, X-Api-Key, and through GET with ?apiKey=', async () => {
    const key = 'my-own-custom-key-123'
    const post = await app.inject({
      method: 'POST', url: '/api/messages/send', headers: { ...json, authorization: `Bearer ${key}` },
      payload: { deviceId: 'shop-1', number: '+1 555 000 2222', message: 'Hello from API!' },
    })
    assert.equal(post.statusCode, 200)
    assert.deepEqual(post.json(), { success: true, status: 'sent', to: '15550002222@s.whatsapp.net', message: 'Hello from API!', messageId: 'FAKE000001', type: 'text' })
    const header = await app.inject({
      method: 'POST', url: '/api/messages/send', headers: { ...json, 'x-api-key': key },
      payload: { deviceId: 'shop-1', number: '15550002222', message: 'two' },
    })
    assert.equal(header.statusCode, 200)
    const get = await app.inject({ url: `/api/messages/send?deviceId=shop-1&number=15550002222&message=Hello%20World&apiKey=${key}` })
    assert.equal(get.statusCode, 200)
    assert.equal(get.json().message, 'Hello World')
    assert.deepEqual(connector.latest('shop-1').texts(), ['Hello from API!', 'two', 'Hello World'])
  })

  it('answers 401 without a key, 403 with a wrong one, 409 when not connected', async () => {
    const payload = { deviceId: 'shop-1', number: '15550002222', message: 'x' }
    const none = await app.inject({ method: 'POST', url: '/api/messages/send', headers: json, payload })
    assert.equal(none.statusCode, 401)
    const wrong = await app.inject({ method: 'POST', url: '/api/messages/send', headers: { ...json, authorization: 'Bearer wrong-key-wrong-key' }, payload })
    assert.equal(wrong.statusCode, 403)
    const notConnected = await app.inject({ method: 'POST', url: '/api/messages/send', headers: admin, payload: { ...payload, deviceId: 'other' } })
    assert.equal(notConnected.statusCode, 409)
    assert.match(notConnected.json().error, /not connected/)
    const badNumber = await app.inject({ method: 'POST', url: '/api/messages/send', headers: admin, payload: { ...payload, number: 'call me' } })
    assert.equal(badNumber.statusCode, 400)
    assert.match(badNumber.json().error, /phone number/)
    const unknown = await app.inject({ method: 'POST', url: '/api/messages/send', headers: admin, payload: { ...payload, deviceId: 'ghost' } })
    assert.equal(unknown.statusCode, 404)
  })

  it('sets a session\'s own send rate and returns it to the default with null', async () => {
    const set = await app.inject({ method: 'PUT', url: '/api/sessions/shop-1/settings', headers: admin, payload: { sendRatePerMinute: 20 } })
    assert.equal(set.json().session.sendRatePerMinute, 20)
    const reset = await app.inject({ method: 'PUT', url: '/api/sessions/shop-1/settings', headers: admin, payload: { sendRatePerMinute: null } })
    assert.equal(reset.json().session.sendRatePerMinute, null)
    const bad = await app.inject({ method: 'PUT', url: '/api/sessions/shop-1/settings', headers: admin, payload: { sendRatePerMinute: -1 } })
    assert.equal(bad.statusCode, 400)
  })

  it('stops, starts, restarts and logs out with one socket at a time', async () => {
    const stop = await app.inject({ method: 'POST', url: '/api/sessions/shop-1/stop', headers: adminHeaders })
    assert.equal(stop.json().session.connectionState, 'disconnected')
    assert.equal(stop.json().session.isActive, false)
    assert.equal(connector.open('shop-1').length, 0)
    await Promise.all([
      app.inject({ method: 'POST', url: '/api/sessions/shop-1/start', headers: adminHeaders }),
      app.inject({ method: 'POST', url: '/api/sessions/shop-1/start', headers: adminHeaders }),
    ])
    assert.equal(connector.open('shop-1').length, 1)
    const restart = await app.inject({ method: 'POST', url: '/api/sessions/shop-1/restart', headers: adminHeaders })
    assert.equal(restart.json().session.connectionState, 'connecting')
    assert.equal(connector.open('shop-1').length, 1)
    connector.latest('shop-1').emitOpen()
    const logout = await app.inject({ method: 'POST', url: '/api/sessions/shop-1/logout', headers: adminHeaders })
    assert.equal(logout.json().session.connectionState, 'logged_out')
    assert.equal(logout.json().session.phoneNumber, null)
    assert.ok(connector.latest('shop-1').loggedOut)
    assert.ok(connector.forgotten.includes('shop-1'))
  })

  it('deletes a session, closing its socket', async () => {
    await app.inject({ method: 'POST', url: '/api/sessions/other/start', headers: adminHeaders })
    const deleted = await app.inject({ method: 'DELETE', url: '/api/sessions/other', headers: adminHeaders })
    assert.deepEqual(deleted.json(), { success: true, message: 'Session deleted' })
    assert.equal(connector.open('other').length, 0)
    const gone = await app.inject({ url: '/api/sessions/other', headers: adminHeaders })
    assert.equal(gone.statusCode, 404)
    assert.deepEqual(gone.json(), { success: false, error: 'Session "other" not found' })
  })

  it('answers malformed JSON, wrong content type, oversized bodies and unknown routes with JSON errors', async () => {
    const cases: Array<[InjectOptions, number, RegExp]> = [
      [{ method: 'POST', url: '/api/sessions', headers: admin, payload: '{"deviceId":' }, 400, /not valid JSON/],
      [{ method: 'POST', url: '/api/sessions', headers: { ...adminHeaders, 'content-type': 'text/plain' }, payload: 'x' }, 415, /content type/],
      [{ method: 'POST', url: '/api/sessions', headers: { ...adminHeaders, 'content-type': 'application/xml' }, payload: '<a/>' }, 415, /content type/],
      [{ method: 'POST', url: '/api/sessions', headers: admin, payload: JSON.stringify({ deviceId: 'x'.repeat(2 * 1024 * 1024) }) }, 413, /too large/],
      [{ method: 'POST', url: '/api/sessions', headers: admin, payload: {} }, 400, /deviceId is required/],
      [{ method: 'GET', url: '/api/nothing-here' }, 404, /Route GET \/api\/nothing-here not found/],
      [{ method: 'PATCH', url: '/api/sessions' }, 404, /not found/],
    ]
    for (const [request, status, message] of cases) {
      const response = await app.inject(request)
      assert.equal(response.statusCode, status, `${request.method} ${request.url}: ${response.body}`)
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8')
      assert.equal(response.json().success, false)
      assert.match(response.json().error, message)
    }
  })
})
