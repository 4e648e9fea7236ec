import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ApiClient } from '../support/api-client.js'
import { freePort } from '../support/free-port.js'
import { startHttpProxy, startSocksProxy, type LoopbackProxy } from '../support/loopback-proxies.js'
import { scanAndConnect } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const ADMIN_KEY = 'proxy-admin-key-0123456789abcdef'
const HTTP_PHONE = '15550006611'
const SOCKS_PHONE = '15550006622'
const CONTACT = '15559996611'
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3d1a40000000049454e44ae426082', 'hex')

describe('per-session proxies: real HTTP CONNECT and SOCKS5 proxies with authentication on loopback', async () => {
  const sim = await startSim()
  const simAddress = new URL(sim.url).host
  let httpProxy: LoopbackProxy
  let socksProxy: LoopbackProxy
  let server: ServerProcess
  let admin: ApiClient

  const session = async (deviceId: string) => (await admin.get(`/api/sessions/${deviceId}`)).body.session
  const lastErrorMatches = (deviceId: string, pattern: RegExp) =>
    waitFor(async () => {
      const { connectionState, lastError } = await session(deviceId)
      return connectionState !== 'connected' && pattern.test(lastError ?? '') && lastError
    }, { what: `${deviceId}'s lastError to match ${pattern}` })

  before(async () => {
    httpProxy = await startHttpProxy('http-secret-4321')
    socksProxy = await startSocksProxy('socks-secret-8765')
    server = await startServerProcess({
      ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir(), RECONNECT_BASE_DELAY_MS: '100', RECONNECT_MAX_DELAY_MS: '500',
    })
    admin = new ApiClient(server.baseUrl, ADMIN_KEY)
  })
  after(async () => {
    await server.stop()
    await Promise.all([httpProxy.close(), socksProxy.close()])
  })

  it('links and sends through an HTTP proxy: the socket and the media upload and download go through its tunnels', async () => {
    const created = await admin.post('/api/sessions', { deviceId: 'via-http', settings: { proxy: httpProxy.url } })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.match(created.body.session.settings.proxy, /^http:\/\/wa-user:\*\*\*@127\.0\.0\.1:\d+$/)
    await scanAndConnect(admin, sim, 'via-http', HTTP_PHONE)
    assert.ok(httpProxy.tunnels.includes(simAddress), `tunnels: ${httpProxy.tunnels.join(', ')}`)

    const sent = await admin.post('/api/messages/send', { deviceId: 'via-http', number: CONTACT, image: { base64: PNG.toString('base64') } })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    const got = await sim.waitForMessage((m) => m.id === sent.body.messageId, 10_000)
    assert.ok(got.media?.data.equals(PNG))
    const mediaTunnels = () => httpProxy.tunnels.filter((tunnel) => tunnel === sim.mediaHost).length
    const afterUpload = mediaTunnels()
    assert.ok(afterUpload >= 1, 'the upload went through the proxy')

    const received = await sim.sendMedia(HTTP_PHONE, CONTACT, { kind: 'image', data: PNG, mimetype: 'image/png' })
    await waitFor(async () => (await admin.get(`/api/sessions/via-http/chats/${CONTACT}@s.whatsapp.net/messages`)).body.messages?.some((m: { id: string }) => m.id === received.id), {
      what: 'the received image stored',
    })
    const download = await fetch(`${server.baseUrl}/api/sessions/via-http/messages/${received.id}/media`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    assert.equal(download.status, 200)
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(PNG))
    assert.ok(mediaTunnels() > afterUpload, 'the download went through the proxy')
  })

  it('links through a SOCKS5 proxy, and never shows its password', async () => {
    const created = await admin.post('/api/sessions', { deviceId: 'via-socks', settings: { proxy: socksProxy.url } })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    await scanAndConnect(admin, sim, 'via-socks', SOCKS_PHONE)
    assert.ok(socksProxy.tunnels.includes(simAddress), `tunnels: ${socksProxy.tunnels.join(', ')}`)
    const listed = JSON.stringify((await admin.get('/api/sessions')).body)
    assert.match(listed, /socks5:\/\/wa-user:\*\*\*@127\.0\.0\.1/)
    assert.equal(listed.includes('socks-secret'), false)
    assert.equal(listed.includes('http-secret'), false)
  })

  it('names the proxy in lastError when it refuses the password or is down, and recovers when it is fixed', async () => {
    const socksTunnels = socksProxy.tunnels.length
    assert.equal((await admin.put('/api/sessions/via-socks/settings', { proxy: socksProxy.wrongPasswordUrl })).status, 200)
    const socksError = await lastErrorMatches('via-socks', /Proxy socks5:\/\/127\.0\.0\.1:\d+ failed: /)
    assert.equal(socksError.includes('socks-secret'), false)
    assert.equal(socksProxy.tunnels.length, socksTunnels, 'a refused login opens no tunnel')
    assert.equal(sim.liveConnections(SOCKS_PHONE), 0, 'no way around the proxy')

    assert.equal((await admin.put('/api/sessions/via-http/settings', { proxy: httpProxy.wrongPasswordUrl })).status, 200)
    await lastErrorMatches('via-http', /Proxy http:\/\/127\.0\.0\.1:\d+ refused the connection: 407/)

    const deadPort = await freePort()
    assert.equal((await admin.put('/api/sessions/via-http/settings', { proxy: `socks5://127.0.0.1:${deadPort}` })).status, 200)
    await lastErrorMatches('via-http', new RegExp(`Proxy socks5://127\\.0\\.0\\.1:${deadPort} failed: .*ECONNREFUSED`))
    assert.equal(sim.liveConnections(HTTP_PHONE), 0)

    assert.equal((await admin.put('/api/sessions/via-socks/settings', { proxy: socksProxy.url })).status, 200)
    await waitFor(async () => (await admin.state('via-socks')) === 'connected', { what: 'via-socks back through the right proxy' })
    assert.ok(socksProxy.tunnels.length > socksTunnels)
  })
})
