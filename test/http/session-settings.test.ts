import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { startInProcessServer } from '../support/in-process-server.js'

describe('session settings over HTTP', async () => {
  const { server, connector, adminHeaders } = await startInProcessServer()
  const { app } = server
  await server.resume()
  const put = (payload: unknown) => app.inject({ method: 'PUT', url: '/api/sessions/desk/settings', headers: adminHeaders, payload: payload as object })
  await app.inject({ method: 'POST', url: '/api/sessions', headers: adminHeaders, payload: { deviceId: 'desk' } })
  connector.latest('desk').emitOpen()

  it('keeps 0, false and empty values as given, null resetting to the default', async () => {
    assert.equal((await put({ sendRatePerMinute: 0 })).json().session.settings.sendRatePerMinute, 0, '0 is unlimited, not the default')
    assert.equal((await put({ sendRatePerMinute: '12' })).json().session.settings.sendRatePerMinute, 12)
    assert.equal((await put({ sendRatePerMinute: null })).json().session.settings.sendRatePerMinute, null)
    const set = (await put({ autoRead: false, markOnline: true, metadata: {} })).json().session.settings
    assert.deepEqual([set.autoRead, set.markOnline, set.metadata], [false, true, {}])
    const reset = (await put({ markOnline: null, metadata: null })).json().session.settings
    assert.deepEqual([reset.markOnline, reset.metadata], [false, null])
  })

  it('opens the session\'s next socket with its proxy, name and presence', async () => {
    await put({ proxy: 'socks5://user:secret@10.0.0.1', deviceName: 'Desk', markOnline: true })
    assert.deepEqual(connector.lastSettings.get('desk'), { proxyUrl: 'socks5://user:secret@10.0.0.1:1080', deviceName: 'Desk', markOnline: true })
    const shown = (await app.inject({ url: '/api/sessions/desk', headers: adminHeaders })).body
    assert.equal(shown.includes('secret'), false)
    assert.match(shown, /socks5:\/\/user:\*\*\*@10\.0\.0\.1:1080/)
  })

  it('refuses NUL characters, which PostgreSQL cannot store, and leaves no session behind a refused create', async () => {
    for (const payload of [{ metadata: { note: 'a\u0000b' } }, { metadata: { 'a\u0000': 1 } }, { rejectCallMessage: 'a\u0000b' }]) {
      const response = await put(payload)
      assert.equal(response.statusCode, 400, JSON.stringify(payload))
    }
    const refused = await app.inject({ method: 'POST', url: '/api/sessions', headers: adminHeaders, payload: { deviceId: 'half', settings: { metadata: { x: '\u0000' } } } })
    assert.equal(refused.statusCode, 400)
    assert.equal((await app.inject({ url: '/api/sessions/half', headers: adminHeaders })).statusCode, 404)
  })
})
