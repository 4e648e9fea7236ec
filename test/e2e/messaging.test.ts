import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { proto } from '@whiskeysockets/baileys'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

/** Protocol message types arrive as enum names or numbers depending on how the recipient decoded them. */
function isProtocol(message: proto.IMessage, type: keyof typeof proto.Message.ProtocolMessage.Type): boolean {
  const actual = message.protocolMessage?.type as unknown
  return actual === type || actual === proto.Message.ProtocolMessage.Type[type]
}

const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef'
const PHONE = '15550003333'
const CONTACT = '15559991111'

describe('messaging against the protocol simulator (real server process, real SQLite)', async () => {
  const sim = await startSim()
  const env = { ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir(), SEND_TIMEOUT_MS: '5000', RECONNECT_BASE_DELAY_MS: '100', RECONNECT_MAX_DELAY_MS: '300' }
  let server: ServerProcess
  let admin: ApiClient
  let client: ApiClient
  let key = ''
  const start = async (): Promise<void> => {
    server = await startServerProcess(env)
    admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    client = new ApiClient(server.baseUrl, key)
  }
  const send = (body: Record<string, unknown>) => client.post('/api/messages/send', { deviceId: 'shop', number: CONTACT, ...body })
  const statusOf = async (id: string) => (await client.get(`/api/messages/${id}`)).body.status as string

  before(async () => {
    await start()
    key = await createPairedSession(admin, sim, 'shop', PHONE)
    client = new ApiClient(server.baseUrl, key)
  })
  after(() => server.stop())

  it('delivers every non-media type to the recipient, decrypted, with the right content', async () => {
    const text = await send({ message: 'plain text' })
    assert.equal(text.status, 200, JSON.stringify(text.body))
    const textId = text.body.messageId as string
    const expectations: Array<[Record<string, unknown>, (m: proto.IMessage) => boolean]> = [
      [{ location: { latitude: 52.52, longitude: 13.405, name: 'Berlin' } },
        (m) => m.locationMessage?.degreesLatitude === 52.52 && m.locationMessage?.name === 'Berlin'],
      [{ contacts: [{ name: 'Ann Example', phoneNumber: '+1 555 000 1111' }] },
        (m) => m.contactMessage?.displayName === 'Ann Example' && (m.contactMessage?.vcard?.includes('waid=15550001111') ?? false)],
      [{ poll: { name: 'Lunch?', options: ['Pizza', 'Salad'] } },
        (m) => [m.pollCreationMessage, m.pollCreationMessageV2, m.pollCreationMessageV3].some((p) => p?.name === 'Lunch?' && p.options?.length === 2)],
      [{ reaction: { messageId: textId, emoji: '👍' } },
        (m) => m.reactionMessage?.text === '👍' && m.reactionMessage?.key?.id === textId && m.reactionMessage?.key?.fromMe === true],
      [{ message: 'a reply', replyTo: textId },
        (m) => m.extendedTextMessage?.text === 'a reply' && m.extendedTextMessage?.contextInfo?.stanzaId === textId],
      [{ edit: { messageId: textId, text: 'edited text' } },
        (m) => isProtocol(m, 'MESSAGE_EDIT') && m.protocolMessage?.key?.id === textId &&
          m.protocolMessage?.editedMessage?.extendedTextMessage?.text === 'edited text'],
      [{ delete: { messageId: textId } },
        (m) => isProtocol(m, 'REVOKE') && m.protocolMessage?.key?.id === textId],
    ]
    for (const [body, matches] of expectations) {
      const response = await send(body)
      assert.equal(response.status, 200, `${JSON.stringify(body)}: ${JSON.stringify(response.body)}`)
      const received = await sim.waitForMessage((m) => m.id === response.body.messageId, 5000)
      assert.ok(matches(received.message), `${JSON.stringify(body)} arrived as ${JSON.stringify(received.message)}`)
    }
  })

  it('issues the contact one privacy token, not one per message', async () => {
    // WhatsApp Web issues a trusted-contact token once per contact every 7 days; Baileys records the
    // issue in work that outlives its key transaction, which the shared transaction context must let land.
    for (let i = 0; i < 3; i++) assert.equal((await send({ message: `token check ${i}` })).status, 200)
    assert.equal(sim.privacyTokensIssued(PHONE), 1)
  })

  it('moves statuses to delivered, read and played as the recipient sends receipts', async () => {
    const { body } = await send({ message: 'receipts please' })
    const id = body.messageId as string
    await waitFor(async () => (await statusOf(id)) === 'delivered', { what: 'delivered (automatic receipt)' })
    await sim.sendReceipt(PHONE, id, 'read')
    await waitFor(async () => (await statusOf(id)) === 'read', { what: 'read' })
    await sim.sendReceipt(PHONE, id, 'played')
    await waitFor(async () => (await statusOf(id)) === 'played', { what: 'played' })
  })

  it('reports an error ack as failed with the reason', async () => {
    sim.failNextSends(PHONE, 1, 479)
    const response = await send({ message: 'will be refused' })
    assert.equal(response.status, 502)
    assert.match(response.body.error, /rejected the message \(error 479\)/)
    assert.equal(await statusOf(response.body.messageId), 'failed')
    const next = await send({ message: 'accepted again' })
    assert.equal(next.status, 200)
  })

  it('re-sends a message from the outbox when the recipient cannot decrypt it and asks for a retry', async () => {
    // The server keeps no in-memory copy of sent messages: the re-send must come from the stored message.
    const retriesBefore = sim.retryReceiptsSent()
    sim.garbleNextSends(PHONE, 1)
    const response = await send({ message: 'second time lucky' })
    assert.equal(response.status, 200, JSON.stringify(response.body))
    const id = response.body.messageId as string
    const received = await sim.waitForMessage((m) => m.id === id, 5000)
    assert.equal(received.text, 'second time lucky')
    assert.equal(sim.retryReceiptsSent() - retriesBefore, 1)
    await waitFor(async () => (await statusOf(id)) === 'delivered', { what: 'delivered after the re-send' })
    assert.equal(sim.received().filter((m) => m.id === id).length, 1)
  })

  it('queues while WhatsApp refuses connections and delivers everything in order once it accepts again', async () => {
    sim.refuseConnections(true)
    sim.drop(PHONE)
    await waitFor(async () => (await admin.state('shop')) !== 'connected', { what: 'session down' })
    const ids: string[] = []
    for (let i = 0; i < 20; i++) {
      const response = await send({ message: `offline ${i}`, queue: true })
      assert.equal(response.status, 202)
      ids.push(response.body.messageId)
    }
    sim.refuseConnections(false)
    await waitFor(() => ids.every((id) => sim.received().some((m) => m.id === id)), { what: 'all delivered', timeoutMs: 20_000 })
    const order = sim.received().filter((m) => ids.includes(m.id)).map((m) => m.text)
    assert.deepEqual(order, ids.map((_, i) => `offline ${i}`))
  })

  it('loses and duplicates nothing when the server is SIGKILLed mid-stream', async (t) => {
    // Accept everything while WhatsApp is unreachable, so the kill lands in the middle of the stream.
    sim.refuseConnections(true)
    sim.drop(PHONE)
    await waitFor(async () => (await admin.state('shop')) !== 'connected', { what: 'session down' })
    const ids: string[] = []
    for (let batch = 0; batch < 6; batch++) {
      const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => send({ message: `bulk ${batch * 50 + i}`, queue: true })))
      for (const response of responses) {
        assert.equal(response.status, 202)
        ids.push(response.body.messageId)
      }
    }
    const accepted = new Set(ids)
    const arrived = (): number => new Set(sim.received().filter((m) => accepted.has(m.id)).map((m) => m.id)).size
    sim.refuseConnections(false)
    await waitFor(() => arrived() >= 10, { what: 'the stream to start', intervalMs: 1 })
    await server.stop('SIGKILL')
    const arrivedBeforeKill = arrived()
    t.diagnostic(`${arrivedBeforeKill} of ${ids.length} accepted messages had arrived when the server was killed`)
    assert.ok(arrivedBeforeKill < ids.length, 'the kill came after the stream ended; the test proves nothing')
    await start()
    await waitFor(() => arrived() === accepted.size, { what: 'every accepted message received', timeoutMs: 60_000 })
    // Counted by text, so a resend under a new id (which the recipient could not recognise) would show.
    const perText = new Map<string, number>()
    for (const m of sim.received()) if (m.text?.startsWith('bulk ')) perText.set(m.text, (perText.get(m.text) ?? 0) + 1)
    assert.equal(perText.size, ids.length)
    assert.ok([...perText.values()].every((count) => count === 1), 'a message was shown to the recipient twice')
    // Resent copies carry the original id, so the recipient drops them; they are counted, never shown.
    t.diagnostic(`${sim.duplicatesDropped()} resent copies were dropped by the recipient as duplicates`)
    for (const id of ids) {
      const status = await waitFor(async () => {
        const current = await statusOf(id)
        return ['sent', 'delivered', 'read'].includes(current) && current
      }, { what: `status of ${id}` })
      assert.ok(status)
    }
  })
})
