import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession, scanAndConnect } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { loginCount, maxConcurrentLogins, simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef'
const PHONE = '15550001111'
const CONTACT = '15559990000'

describe('session lifecycle against the protocol simulator (real server process, real SQLite)', async () => {
  const sim = await startSim({ qrRefCount: 2 })
  const dataDir = tempDir()
  const env = { ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: dataDir, RECONNECT_BASE_DELAY_MS: '100', RECONNECT_MAX_DELAY_MS: '500', QR_TIMEOUT_MS: '2000', CONNECT_TIMEOUT_MS: '3000' }
  let server: ServerProcess
  let admin: ApiClient
  let sessionKey = ''
  const outputs: string[] = []

  const startServer = async (): Promise<void> => {
    server = await startServerProcess(env)
    admin = new ApiClient(server.baseUrl, ADMIN_KEY)
  }
  const stopServer = async (signal: NodeJS.Signals): Promise<void> => {
    await server.stop(signal)
    outputs.push(server.output())
  }
  const connected = (deviceId: string) =>
    waitFor(async () => (await admin.state(deviceId)) === 'connected', { what: `${deviceId} connected` })

  before(startServer)
  after(async () => {
    await stopServer('SIGTERM')
    const logs = outputs.join('\n')
    assert.ok(!logs.includes(ADMIN_KEY), 'the admin key appeared in the logs')
    assert.ok(sessionKey === '' || !logs.includes(sessionKey), 'a session key appeared in the logs')
    assert.ok(!logs.includes('privKey'), 'Signal key material appeared in the logs')
  })

  it('create -> QR -> the phone scans -> connected -> key -> send -> the recipient decrypts it', async () => {
    sessionKey = await createPairedSession(admin, sim, 'shop', PHONE)
    const session = (await admin.get('/api/sessions/shop')).body.session
    assert.equal(session.phoneNumber, PHONE)
    assert.equal(session.connectionState, 'connected')
    const client = new ApiClient(server.baseUrl, sessionKey)
    const sent = await client.post('/api/messages/send', { deviceId: 'shop', number: `+${CONTACT}`, message: 'Hello from API!' })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    assert.deepEqual({ ...sent.body, messageId: undefined }, {
      success: true, status: 'sent', to: `${CONTACT}@s.whatsapp.net`, message: 'Hello from API!', messageId: undefined, type: 'text',
    })
    const received = await sim.waitForMessage((m) => m.id === sent.body.messageId, 10_000)
    assert.equal(received.text, 'Hello from API!')
    assert.equal(received.from, PHONE)

    const viaGet = await fetch(`${server.baseUrl}/api/messages/send?deviceId=shop&number=${CONTACT}&message=via%20GET&apiKey=${sessionKey}`)
    assert.equal(viaGet.status, 200)
    await sim.waitForMessage((m) => m.text === 'via GET', 10_000)
  })

  it('two concurrent starts leave one socket', async () => {
    const logins = loginCount(sim.connectionLog(), PHONE)
    await admin.post('/api/sessions/shop/stop')
    await waitFor(() => sim.liveConnections(PHONE) === 0, { what: 'socket closed' })
    const [a, b] = await Promise.all([admin.post('/api/sessions/shop/start'), admin.post('/api/sessions/shop/start')])
    assert.equal(a.status, 200)
    assert.equal(b.status, 200)
    await connected('shop')
    assert.equal(sim.liveConnections(PHONE), 1)
    assert.equal(loginCount(sim.connectionLog(), PHONE), logins + 1)
  })

  it('comes back connected after a graceful restart, without a QR', async () => {
    await stopServer('SIGTERM')
    await waitFor(() => sim.liveConnections(PHONE) === 0, { what: 'socket closed on shutdown' })
    await startServer()
    await connected('shop')
    const qr = await admin.get('/api/sessions/shop/qr')
    assert.equal(qr.status, 409)
  })

  it('keeps its Signal sessions across a restart: the first send after it takes no new pre-key', async () => {
    const send = async (message: string) => {
      const sent = await new ApiClient(server.baseUrl, sessionKey).post('/api/messages/send', { deviceId: 'shop', number: CONTACT, message })
      assert.equal(sent.status, 200, JSON.stringify(sent.body))
      await sim.waitForMessage((m) => m.id === sent.body.messageId, 10_000)
    }
    await send('before the restart')
    const preKeys = sim.preKeysGiven(CONTACT)
    assert.ok(preKeys > 0, 'the first sends built a session with the contact from its pre-key')
    await stopServer('SIGTERM')
    await startServer()
    await connected('shop')
    // The device list is fetched again (it is cached in memory only); the session with the
    // contact's phone is the stored one, not rebuilt from another of its pre-keys.
    await send('after the restart')
    assert.equal(sim.preKeysGiven(CONTACT), preKeys)
  })

  it('survives SIGKILL while messages are being sent, and reconnects without a QR', async () => {
    const client = new ApiClient(server.baseUrl, sessionKey)
    const inFlight = Array.from({ length: 20 }, (_, i) =>
      client.post('/api/messages/send', { deviceId: 'shop', number: CONTACT, message: `burst ${i}` }).catch(() => undefined))
    await sim.waitForMessage((m) => m.text?.startsWith('burst') ?? false, 10_000)
    await stopServer('SIGKILL')
    await Promise.all(inFlight)
    await waitFor(() => sim.liveConnections(PHONE) === 0, { what: 'killed socket gone' })
    await startServer()
    await connected('shop')
    const after = await new ApiClient(server.baseUrl, sessionKey).post('/api/messages/send', { deviceId: 'shop', number: CONTACT, message: 'after the crash' })
    assert.equal(after.status, 200, JSON.stringify(after.body))
    await sim.waitForMessage((m) => m.text === 'after the crash', 10_000)
  })

  it('reconnects once after a transient drop or a 440 conflict, never looping', async () => {
    for (const fault of [() => sim.drop(PHONE), () => sim.kick(PHONE, 503), () => sim.kick(PHONE, 440)]) {
      const logins = loginCount(sim.connectionLog(), PHONE)
      fault()
      await waitFor(() => loginCount(sim.connectionLog(), PHONE) === logins + 1 && sim.liveConnections(PHONE) === 1, { what: 'one reconnect' })
      await connected('shop')
      assert.equal(loginCount(sim.connectionLog(), PHONE), logins + 1)
    }
    assert.equal(maxConcurrentLogins(sim.connectionLog(), PHONE), 1, 'two sockets were live at once')
  })

  it('closes and retries a connection whose handshake WhatsApp never answers, then reconnects', async () => {
    sim.silence('handshake', true)
    const logins = loginCount(sim.connectionLog(), PHONE)
    sim.drop(PHONE)
    const stalled = await waitFor(async () => {
      const { session } = (await admin.get('/api/sessions/shop')).body
      return /Timed out connecting/.test(session.lastError ?? '') && session
    }, { what: 'the connect watchdog to close the silent socket', timeoutMs: 15_000 })
    assert.notEqual(stalled.connectionState, 'connected')
    assert.equal(loginCount(sim.connectionLog(), PHONE), logins, 'no login got through the silenced handshake')
    sim.silence('handshake', false)
    await connected('shop')
    assert.equal(sim.liveConnections(PHONE), 1)
  })

  it('is logged out, with credentials wiped, when the phone removes the device (401)', async () => {
    sim.unlink(PHONE)
    await waitFor(async () => (await admin.state('shop')) === 'logged_out', { what: 'logged_out' })
    const session = (await admin.get('/api/sessions/shop')).body.session
    assert.equal(session.isActive, false)
    assert.match(session.lastError, /Logged out/)
    // Credentials are gone: starting again asks for a new QR instead of logging in.
    await admin.post('/api/sessions/shop/start')
    await waitFor(async () => (await admin.get('/api/sessions/shop/qr')).status === 200, { what: 'new QR' })
    assert.equal(sim.liveConnections(PHONE), 0)
    await admin.post('/api/sessions/shop/stop')
  })

  it('waits for a new start when nobody scans the QR', async () => {
    await admin.post('/api/sessions', { deviceId: 'unscanned' })
    await waitFor(async () => (await admin.get('/api/sessions/unscanned/qr')).status === 200, { what: 'QR' })
    const stopped = await waitFor(async () => {
      const { session } = (await admin.get('/api/sessions/unscanned')).body
      return session.connectionState === 'disconnected' && session
    }, { what: 'QR expiry' })
    assert.match(stopped.lastError, /QR code expired/)
    assert.equal(stopped.isActive, false)
    const qr = await admin.get('/api/sessions/unscanned/qr')
    assert.match(qr.body.error, /start it/)
  })

  it('pairs again after logout through the API, then deletes the session and its socket', async () => {
    await admin.post('/api/sessions/shop/start')
    await scanAndConnect(admin, sim, 'shop', PHONE)
    const loggedOut = await admin.post('/api/sessions/shop/logout')
    assert.equal(loggedOut.body.session.connectionState, 'logged_out')
    await waitFor(() => sim.liveConnections(PHONE) === 0, { what: 'socket closed after logout' })
    const deleted = await admin.delete('/api/sessions/shop')
    assert.equal(deleted.status, 200)
    assert.equal((await admin.get('/api/sessions/shop')).status, 404)
  })
})
