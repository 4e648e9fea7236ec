import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { proto } from '@whiskeysockets/baileys'
import Database from 'better-sqlite3'
import { Webhook } from 'standardwebhooks'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { WebhookReceiver, type ReceivedRequest } from '../support/webhook-receiver.js'

const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef'
const SECRET = 'e2e-webhook-secret-0123456789'
const PHONE = '15550004444'
const CONTACT = '15559992222'

/** Generous for loaded CI machines; events normally arrive within a second. */
const FIRST_EVENT_TIMEOUT_MS = 20_000

function verifySignatures(request: ReceivedRequest): void {
  const verified = new Webhook(Buffer.from(SECRET).toString('base64')).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as { id: string }
  assert.equal(verified.id, request.event.id)
  assert.equal(request.headers['x-hub-signature-256'], `sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`)
}

describe('events out against the protocol simulator (real server process, real HTTP receiver)', async () => {
  const sim = await startSim()
  const receiver = await WebhookReceiver.start()
  const env = {
    ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir(), ALLOW_PRIVATE_URLS: 'true',
    WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_MAX_RETRY_DELAY_MS: '300',
    RECONNECT_BASE_DELAY_MS: '100',
  }
  let server: ServerProcess
  let admin: ApiClient
  const start = async (): Promise<void> => {
    server = await startServerProcess(env)
    admin = new ApiClient(server.baseUrl, ADMIN_KEY)
  }
  const received = (id: string) => receiver.accepted.find((r) => r.event.type === 'message.received' && r.event.data.id === id)

  before(async () => {
    await start()
    await createPairedSession(admin, sim, 'shop', PHONE)
  })
  after(() => server.stop())

  it('reports session changes and each inbound type with correct fields and verifiable signatures', async () => {
    const statuses = receiver.accepted.filter((r) => r.event.type === 'session.status').map((r) => r.event.data.state)
    assert.ok(statuses.includes('qr') && statuses.includes('connected'), `session states seen: ${statuses.join(', ')}`)
    assert.ok(receiver.accepted.some((r) => r.event.type === 'session.qr' && typeof r.event.data.qr === 'string'))

    const text = await sim.sendText(PHONE, CONTACT, 'hello from a contact')
    const textEvent = await waitFor(() => received(text.id), { what: 'text event', timeoutMs: FIRST_EVENT_TIMEOUT_MS })
    verifySignatures(textEvent)
    assert.equal(textEvent.event.deviceId, 'shop')
    assert.equal(textEvent.event.data.type, 'text')
    assert.equal(textEvent.event.data.text, 'hello from a contact')
    assert.equal(textEvent.event.data.sender.phoneNumber, CONTACT)
    assert.equal(textEvent.event.data.chat, `${CONTACT}@s.whatsapp.net`)

    const key = { remoteJid: `${PHONE}@s.whatsapp.net`, fromMe: false, id: text.id }
    const cases: Array<[string, proto.IMessage, (data: Record<string, any>) => void]> = [
      ['reply', { extendedTextMessage: { text: 'replying', contextInfo: { stanzaId: text.id, participant: `${CONTACT}@s.whatsapp.net`, quotedMessage: { conversation: 'hello from a contact' } } } },
        (d) => assert.deepEqual([d.type, d.text, d.quoted?.id, d.quoted?.text], ['text', 'replying', text.id, 'hello from a contact'])],
      ['reaction', { reactionMessage: { key, text: '❤️' } },
        (d) => assert.deepEqual([d.type, d.target?.id, d.target?.emoji], ['reaction', text.id, '❤️'])],
      ['edit', { protocolMessage: { key, type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT, editedMessage: { conversation: 'edited' } } },
        (d) => assert.deepEqual([d.type, d.target?.id, d.text], ['edit', text.id, 'edited'])],
      ['revoke', { protocolMessage: { key, type: proto.Message.ProtocolMessage.Type.REVOKE } },
        (d) => assert.deepEqual([d.type, d.target?.id], ['revoke', text.id])],
      ['location', { locationMessage: { degreesLatitude: 48.85, degreesLongitude: 2.35, name: 'Paris' } },
        (d) => assert.deepEqual([d.type, d.location], ['location', { latitude: 48.85, longitude: 2.35, name: 'Paris', address: null }])],
      ['contact', { contactMessage: { displayName: 'Carol', vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:Carol\nEND:VCARD' } },
        (d) => assert.deepEqual([d.type, d.contacts?.[0]?.name], ['contacts', 'Carol'])],
    ]
    for (const [name, message, check] of cases) {
      const sent = await sim.sendMessage(PHONE, CONTACT, message)
      const event = await waitFor(() => received(sent.id), { what: `${name} event` })
      verifySignatures(event)
      check(event.event.data)
    }

    const history = await admin.get(`/api/sessions/shop/chats/${CONTACT}/messages?limit=100`)
    assert.equal(history.status, 200)
    assert.ok(history.body.messages.some((m: { id: string }) => m.id === text.id))
  })

  it('reports outbound status changes', async () => {
    const key = (await admin.put('/api/sessions/shop/api-key', {})).body.apiKey as string
    const sent = await new ApiClient(server.baseUrl, key).post('/api/messages/send', { deviceId: 'shop', number: CONTACT, message: 'status please' })
    assert.equal(sent.status, 200)
    const statuses = await waitFor(() => {
      const seen = receiver.accepted.filter((r) => r.event.type === 'message.status' && r.event.data.messageId === sent.body.messageId).map((r) => r.event.data.status)
      return seen.includes('delivered') && seen
    }, { what: 'delivered status event' })
    assert.deepEqual(statuses.filter((s: string) => s !== 'delivered').slice(0, 3), ['queued', 'sending', 'sent'])
  })

  it('delivers every event once and in order after the receiver was down, across a SIGKILL of the server', async () => {
    receiver.mode = 'down'
    const ids: string[] = []
    for (let i = 0; i < 15; i++) ids.push((await sim.sendText(PHONE, CONTACT, `while down ${i}`, { encrypted: i % 2 === 0 })).id)
    await waitFor(() => receiver.attempts > 3, { what: 'failing attempts' })
    // Kill once all are stored and queued (the next test kills inside that window, on purpose).
    await waitFor(async () => {
      const { messages } = (await admin.get(`/api/sessions/shop/chats/${CONTACT}/messages?limit=500`)).body as { messages: Array<{ id: string }> }
      return ids.every((id) => messages.some((m) => m.id === id))
    }, { what: 'messages stored', timeoutMs: FIRST_EVENT_TIMEOUT_MS })
    await server.stop('SIGKILL')
    for (let i = 15; i < 20; i++) ids.push((await sim.sendText(PHONE, CONTACT, `while down ${i}`)).id)
    await start()
    receiver.mode = 'ok'
    await waitFor(() => ids.every((id) => received(id)), { what: 'all events delivered', timeoutMs: FIRST_EVENT_TIMEOUT_MS })
    const order = receiver.uniqueEvents().filter((e) => e.type === 'message.received' && ids.includes(e.data.id)).map((e) => e.data.id)
    assert.deepEqual(order, ids)
  })

  it('takes a message from WhatsApp only once it is stored with its event queued: one that could not be is delivered again after a SIGKILL, and announced once', async () => {
    const database = new Database(join(env.DATA_DIR, 'whatsapp-api.db'))
    after(() => database.close())
    database.exec(`CREATE TRIGGER no_events BEFORE INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'the event queue is broken'); END`)
    const { id } = await sim.sendText(PHONE, CONTACT, 'not stored, then a crash')
    await waitFor(() => server.output().includes('could not store or announce a received message'), { what: 'the failed announcement', timeoutMs: FIRST_EVENT_TIMEOUT_MS })
    const { messages } = (await admin.get(`/api/sessions/shop/chats/${CONTACT}/messages?limit=5`)).body as { messages: Array<{ id: string }> }
    assert.ok(!messages.some((m) => m.id === id), 'not stored without its event: one transaction')
    assert.equal(sim.undelivered(PHONE), 1, 'no receipt went to WhatsApp')
    await server.stop('SIGKILL')
    database.exec('DROP TRIGGER no_events')

    await start()
    await waitFor(() => received(id), { what: 'the message announced after the restart', timeoutMs: FIRST_EVENT_TIMEOUT_MS })
    await waitFor(() => sim.undelivered(PHONE) === 0, { what: 'the receipt sent' })
    const { id: next } = await sim.sendText(PHONE, CONTACT, 'after it')
    await waitFor(() => received(next), { what: 'the next message announced' })
    assert.equal(receiver.uniqueEvents().filter((e) => e.type === 'message.received' && e.data.id === id).length, 1)
  })
})
