import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ApiClient } from '../support/api-client.js'
import { scanAndConnect } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { WebhookReceiver } from '../support/webhook-receiver.js'

const ADMIN_KEY = 'settings-admin-key-0123456789abcdef'
const PHONE = '15550007711'
const CONTACT = '15559997711'
const MEMBER = '15559997722'

describe('per-session settings against the protocol simulator', async () => {
  const sim = await startSim()
  const receiver = await WebhookReceiver.start()
  let server: ServerProcess
  let admin: ApiClient

  before(async () => {
    server = await startServerProcess({
      ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir(),
      WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: 'settings-webhook-secret-0123456789', ALLOW_PRIVATE_URLS: 'true',
    })
    admin = new ApiClient(server.baseUrl, ADMIN_KEY)
  })
  after(() => server.stop())

  it('links under its own device name and echoes its metadata in every webhook event', async () => {
    const created = await admin.post('/api/sessions', {
      deviceId: 'desk',
      settings: { deviceName: '  Front desk  ', metadata: { tenant: 'acme', tier: 2 }, autoRead: true, ignore: { groups: true } },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.deepEqual(created.body.session.settings, {
      sendRatePerMinute: null, rejectCalls: false, rejectCallMessage: null, proxy: null, markOnline: false, autoRead: true,
      ignore: { groups: true, status: false, channels: false, broadcast: false }, metadata: { tenant: 'acme', tier: 2 }, deviceName: 'Front desk',
    })
    await scanAndConnect(admin, sim, 'desk', PHONE)
    assert.deepEqual(sim.linkedAccounts().find((account) => account.phoneNumber === PHONE)?.deviceNames, ['Front desk'])
    const connected = await waitFor(() => receiver.uniqueEvents().find((event) => event.type === 'session.status' && event.data.state === 'connected'), {
      what: 'session.status connected at the webhook',
    })
    assert.deepEqual(connected.metadata, { tenant: 'acme', tier: 2 })
  })

  it('marks received messages read as they arrive (autoRead) and drops ignored kinds before storing them', async () => {
    const group = sim.createGroup({ subject: 'Ignored team', participants: [PHONE, MEMBER] })
    const fromGroup = await sim.sendGroupMessage(group.jid, MEMBER, { conversation: 'nobody should see this' })
    const direct = await sim.sendText(PHONE, CONTACT, 'read me at once')
    const received = await waitFor(() => receiver.uniqueEvents().find((event) => event.type === 'message.received' && event.data.id === direct.id), {
      what: 'the direct message at the webhook',
    })
    assert.deepEqual(received.metadata, { tenant: 'acme', tier: 2 })
    const receipt = await sim.waitForSignal((signal) => signal.kind === 'read' && signal.ids.includes(direct.id))
    assert.equal(receipt.from, PHONE)
    await waitFor(async () => {
      const { messages } = (await admin.get(`/api/sessions/desk/chats/${CONTACT}@s.whatsapp.net/messages`)).body as { messages: Array<{ id: string; readAt: string | null }> }
      return typeof messages.find((message) => message.id === direct.id)?.readAt === 'string'
    }, { what: 'the message stored as read' })

    // Messages of one session are evented in the order they arrived: the group's came first, and never.
    assert.equal(receiver.uniqueEvents().some((event) => event.data.id === fromGroup.id || event.data.chat === group.jid), false)
    const groupMessages = await admin.get(`/api/sessions/desk/chats/${group.jid}/messages`)
    assert.deepEqual(groupMessages.body.messages, [])
    assert.equal(sim.clientSignals(PHONE).some((signal) => signal.kind === 'read' && signal.ids.includes(fromGroup.id)), false)
  })

  it('goes online and offline with markOnline at once, keeping the other settings', async () => {
    const online = await admin.put('/api/sessions/desk/settings', { markOnline: true })
    assert.equal(online.status, 200, JSON.stringify(online.body))
    assert.equal(online.body.session.settings.markOnline, true)
    assert.equal(online.body.session.settings.deviceName, 'Front desk')
    await sim.waitForSignal((signal) => signal.kind === 'presence' && signal.from === PHONE && signal.state === 'available')
    const offline = await admin.put('/api/sessions/desk/settings', { markOnline: false, metadata: null, ignore: null })
    assert.deepEqual([offline.body.session.settings.metadata, offline.body.session.settings.ignore.groups], [null, false])
    await sim.waitForSignal((signal) => signal.kind === 'presence' && signal.from === PHONE && signal.state === 'unavailable')
  })

  it('refuses unknown fields and invalid values with a 400 naming them, changing nothing', async () => {
    const before = (await admin.get('/api/sessions/desk')).body.session.settings
    const cases: Array<[unknown, RegExp]> = [
      [{ markOnline: true, colour: 'blue' }, /colour|additional/i],
      [{ proxy: 'ftp://proxy.example.com:21' }, /http, https or socks5/],
      [{ proxy: 'not a url' }, /proxy must be a URL/],
      [{ proxy: 'http://proxy.example.com:3128/path' }, /no path/],
      [{ metadata: { blob: 'x'.repeat(5000) } }, /at most 4096/],
      [{ metadata: ['a'] }, /metadata/],
      [{ deviceName: '   ' }, /deviceName/],
      [{ deviceName: 'tab\tname' }, /control characters/],
      [{ ignore: { groups: true, spam: true } }, /spam|additional/i],
      [{ autoRead: 'yes' }, /autoRead/],
      [{}, /at least one setting/],
    ]
    for (const [body, message] of cases) {
      const response = await admin.put('/api/sessions/desk/settings', body)
      assert.equal(response.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(response.body)}`)
      assert.match(response.body.error, message, JSON.stringify(body))
    }
    const invalidCreate = await admin.post('/api/sessions', { deviceId: 'never', settings: { proxy: 'gopher://x:1' } })
    assert.equal(invalidCreate.status, 400)
    assert.equal((await admin.get('/api/sessions/never')).status, 404, 'a refused create leaves no session behind')
    assert.deepEqual((await admin.get('/api/sessions/desk')).body.session.settings, before)
  })
})
