import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { Simulator } from '../../sim/index.js'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess } from '../support/server-process.js'
import { loginCount, simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { WebhookReceiver } from '../support/webhook-receiver.js'

const ADMIN_KEY = 'faults-flood-admin-key-0123456789'
const FLOODED = '15550009501'
const OTHER = '15550009502'
const CONTACT = '15550009599'
const FLOOD = 10_000
/** Well above what 10,000 stored texts and their events need, far below keeping them all queued in memory twice over. */
const MAX_RSS_GROWTH_BYTES = 300 * 1024 * 1024

describe('faults: an inbound flood of 10,000 messages to one session', async () => {
  const sim: Simulator = await startSim()
  const webhook = await WebhookReceiver.start()
  const server = await startServerProcess({
    ...simEnv(sim),
    ADMIN_API_KEY: ADMIN_KEY,
    DATA_DIR: tempDir(),
    ALLOW_PRIVATE_URLS: 'true',
    WEBHOOK_URL: webhook.url,
    WEBHOOK_SECRET: 'faults-flood-webhook-secret-0123',
    WEBHOOK_EVENTS: 'message.received',
  })
  after(() => server.stop())
  const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
  await createPairedSession(admin, sim, 'flooded', FLOODED)
  await createPairedSession(admin, sim, 'other', OTHER)
  const rss = async (): Promise<number> => {
    const metrics = (await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }).then((r) => r.text()))
    return Number(/^wa_api_process_resident_memory_bytes (\d+)/m.exec(metrics)?.[1])
  }

  it('stores and announces every message in order, with memory bounded, while another session keeps sending', { timeout: 600_000 }, async () => {
    const before = await rss()
    const logins = loginCount(sim.connectionLog(), FLOODED)
    let peak = before
    const sampling = setInterval(() => void rss().then((value) => (peak = Math.max(peak, value)), () => undefined), 500)
    after(() => clearInterval(sampling))
    const sent: string[] = []
    const flood = (async () => {
      for (let i = 0; i < FLOOD; i++) sent.push((await sim.sendText(FLOODED, CONTACT, `flood ${i}`)).id)
    })()
    // Meanwhile the other session sends, synchronously, each answered once WhatsApp acknowledged it.
    const others: string[] = []
    while (others.length < 5) {
      const answer = await admin.post('/api/messages/send', { deviceId: 'other', number: CONTACT, message: `during the flood ${others.length}` })
      assert.equal(answer.status, 200, JSON.stringify(answer.body))
      others.push(answer.body.messageId as string)
    }
    for (const id of others) await sim.waitForMessage((message) => message.id === id)
    await flood

    const announced = await waitFor(() => {
      const ids = webhook.uniqueEvents().filter((event) => event.deviceId === 'flooded').map((event) => event.data.id as string)
      return ids.length >= FLOOD && ids
    }, { what: 'every flood message announced', timeoutMs: 300_000, intervalMs: 500 })
    clearInterval(sampling)
    // A backlog of received messages must not starve the keep-alive into ending the socket as lost.
    assert.equal(loginCount(sim.connectionLog(), FLOODED), logins, 'the flooded session stayed connected')
    assert.deepEqual(announced, sent, 'each message announced once, in the order it arrived')
    const chats = (await admin.get('/api/sessions/flooded/chats')).body.chats as Array<{ jid: string; unread: number }>
    assert.equal(chats.find((chat) => chat.jid === `${CONTACT}@s.whatsapp.net`)?.unread, FLOOD, 'every message stored')
    assert.ok(peak - before < MAX_RSS_GROWTH_BYTES, `RSS grew ${Math.round((peak - before) / 1e6)} MB`)
  })
})
