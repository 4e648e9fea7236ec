import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FakeConnector } from '../support/fake-connector.js'
import { ADMIN_KEY, startInProcessServer } from '../support/in-process-server.js'

function cookieFrom(setCookie: string | string[] | undefined): string {
  const header = [setCookie ?? []].flat().find((c) => c.startsWith('wa_dashboard='))
  assert.ok(header, 'no dashboard cookie set')
  return header
}

describe('dashboard sign-in: HttpOnly cookie and CSRF (in-process)', () => {
  it('signs in with the admin key into an HttpOnly, SameSite=Strict cookie, never storing the key', async () => {
    const { server } = await startInProcessServer()
    const wrong = await server.app.inject({ method: 'POST', url: '/api/dashboard/login', payload: { adminKey: 'not-the-key-0123456' } })
    assert.equal(wrong.statusCode, 403)
    const login = await server.app.inject({ method: 'POST', url: '/api/dashboard/login', payload: { adminKey: ADMIN_KEY } })
    assert.equal(login.statusCode, 200)
    const setCookie = cookieFrom(login.headers['set-cookie'])
    assert.match(setCookie, /HttpOnly/)
    assert.match(setCookie, /SameSite=Strict/)
    assert.match(setCookie, /Path=\//)
    assert.ok(!setCookie.includes(ADMIN_KEY))
    const { csrfToken } = login.json()
    assert.match(csrfToken, /^[\w-]{20,}$/)

    const cookie = setCookie.split(';')[0]!
    const session = await server.app.inject({ url: '/api/dashboard/session', headers: { cookie } })
    assert.deepEqual(session.json(), { success: true, csrfToken })
    assert.equal((await server.app.inject({ url: '/api/dashboard/session' })).statusCode, 401)
  })

  it('lets the cookie act as the admin, with the CSRF token required on every state change', async () => {
    const connector = new FakeConnector(true)
    const { server } = await startInProcessServer({}, connector)
    const login = await server.app.inject({ method: 'POST', url: '/api/dashboard/login', payload: { adminKey: ADMIN_KEY } })
    const cookie = cookieFrom(login.headers['set-cookie']).split(';')[0]!
    const { csrfToken } = login.json()

    assert.equal((await server.app.inject({ url: '/api/sessions', headers: { cookie } })).statusCode, 200)
    const forged = await server.app.inject({ method: 'POST', url: '/api/sessions', headers: { cookie }, payload: { deviceId: 'forged' } })
    assert.equal(forged.statusCode, 403)
    assert.match(forged.json().error, /CSRF/)
    const wrongToken = await server.app.inject({ method: 'POST', url: '/api/sessions', headers: { cookie, 'x-csrf-token': 'x'.repeat(32) }, payload: { deviceId: 'forged' } })
    assert.equal(wrongToken.statusCode, 403)
    assert.equal((await server.app.inject({ url: '/api/sessions', headers: { cookie } })).json().sessions.length, 0)

    const created = await server.app.inject({ method: 'POST', url: '/api/sessions', headers: { cookie, 'x-csrf-token': csrfToken }, payload: { deviceId: 'real' } })
    assert.equal(created.statusCode, 201)
    connector.latest('real').emitQr('2@ref')
    const code = await server.app.inject({
      method: 'POST', url: '/api/sessions/real/pairing-code', headers: { cookie, 'x-csrf-token': csrfToken }, payload: { phoneNumber: '+1 555 000 7777' },
    })
    assert.equal(code.statusCode, 200, code.body)
    assert.deepEqual(code.json(), { success: true, code: 'CODE7777' })

    const logout = await server.app.inject({ method: 'POST', url: '/api/dashboard/logout', headers: { cookie, 'x-csrf-token': csrfToken } })
    assert.equal(logout.statusCode, 200)
    assert.match(cookieFrom(logout.headers['set-cookie']), /wa_dashboard=;/)
    assert.equal((await server.app.inject({ url: '/api/sessions', headers: { cookie } })).statusCode, 401)
  })

  it('refuses a pairing code for a session that is linked or not running', async () => {
    const connector = new FakeConnector(true)
    const { server, adminHeaders } = await startInProcessServer({}, connector)
    const headers = { ...adminHeaders, 'content-type': 'application/json' }
    await server.app.inject({ method: 'POST', url: '/api/sessions', headers, payload: { deviceId: 'linked' } })
    connector.latest('linked').emitOpen()
    const linked = await server.app.inject({ method: 'POST', url: '/api/sessions/linked/pairing-code', headers, payload: { phoneNumber: '15550007777' } })
    assert.equal(linked.statusCode, 409)
    await server.app.inject({ method: 'POST', url: '/api/sessions/linked/stop', headers })
    const stopped = await server.app.inject({ method: 'POST', url: '/api/sessions/linked/pairing-code', headers, payload: { phoneNumber: '15550007777' } })
    assert.equal(stopped.statusCode, 409)
    assert.match(stopped.json().error, /not running/)
  })
})
