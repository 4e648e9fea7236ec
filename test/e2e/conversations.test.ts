import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ClientSignal } from '../../sim/index.js'
import { ApiClient } from '../support/api-client.js'
import { readEvents } from '../support/event-stream.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const ADMIN_KEY = 'conversations-admin-key-0123456789'
const PHONE = '15550004444'
const CONTACT = '15559994444'
const MEMBER = '15559995555'
const CONTACT_JID = `${CONTACT}@s.whatsapp.net`

describe('conversations against the protocol simulator: read receipts, typing, presence', async () => {
  const sim = await startSim()
  let server: ServerProcess
  let admin: ApiClient
  let client: ApiClient
  const signalsOf = (kind: ClientSignal['kind']) => sim.clientSignals(PHONE).filter((signal) => signal.kind === kind)

  before(async () => {
    server = await startServerProcess({ ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir(), SEND_TIMEOUT_MS: '10000' })
    admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    client = admin.withKey(await createPairedSession(admin, sim, 'desk', PHONE))
  })
  after(() => server.stop())

  /** The contact writes; resolves once the server stored every message. */
  const receive = async (...texts: string[]): Promise<string[]> => {
    const ids: string[] = []
    for (const text of texts) ids.push((await sim.sendText(PHONE, CONTACT, text)).id)
    await waitFor(async () => {
      const stored = (await client.get(`/api/sessions/desk/chats/${CONTACT}/messages`)).body.messages as Array<{ id: string }>
      return ids.every((id) => stored.some((message) => message.id === id))
    }, { what: 'the received messages stored' })
    return ids
  }
  const unreadOf = async (chat: string): Promise<number | undefined> =>
    ((await client.get('/api/sessions/desk/chats')).body.chats as Array<{ chat: string; unread: number }>).find((c) => c.chat === chat)?.unread

  it('marks chosen messages read, then every unread one, with read receipts to the sender', async () => {
    const [first, second, third] = await receive('one', 'two', 'three') as [string, string, string]
    assert.equal(await unreadOf(CONTACT_JID), 3)

    const chosen = await client.post(`/api/sessions/desk/chats/${CONTACT}/read`, { messageIds: [first] })
    assert.equal(chosen.status, 200, JSON.stringify(chosen.body))
    assert.deepEqual(chosen.body, { success: true, read: 1 })
    const receipt = await sim.waitForSignal((signal) => signal.kind === 'read' && signal.ids.includes(first))
    assert.deepEqual(receipt, { kind: 'read', from: PHONE, to: CONTACT_JID, participant: null, ids: [first], type: 'read' })

    const rest = await client.post(`/api/sessions/desk/chats/+${CONTACT}/read`)
    assert.deepEqual(rest.body, { success: true, read: 2 })
    const both = await sim.waitForSignal((signal) => signal.kind === 'read' && signal.ids.includes(third))
    assert.deepEqual(both.kind === 'read' && [...both.ids].sort(), [second, third].sort())
    assert.equal(await unreadOf(CONTACT_JID), 0)
    const messages = (await client.get(`/api/sessions/desk/chats/${CONTACT}/messages`)).body.messages as Array<{ id: string; readAt: string | null }>
    assert.ok(messages.every((message) => message.readAt !== null && !Number.isNaN(Date.parse(message.readAt))))

    // Nothing left to read: no receipt goes out.
    const before = signalsOf('read').length
    assert.deepEqual((await client.post(`/api/sessions/desk/chats/${CONTACT_JID}/read`)).body, { success: true, read: 0 })
    assert.equal(signalsOf('read').length, before)
  })

  it('refuses ids that are not received messages of that chat, and changes nothing', async () => {
    const [id] = await receive('still unread') as [string]
    const before = signalsOf('read').length
    const unknown = await client.post(`/api/sessions/desk/chats/${CONTACT}/read`, { messageIds: [id, 'NOT-A-MESSAGE'] })
    assert.equal(unknown.status, 404)
    assert.match(unknown.body.error, /NOT-A-MESSAGE/)
    const otherChat = await client.post(`/api/sessions/desk/chats/15551112222/read`, { messageIds: [id] })
    assert.equal(otherChat.status, 404)
    assert.equal(signalsOf('read').length, before)
    assert.equal(await unreadOf(CONTACT_JID), 1)
    assert.equal((await client.post('/api/sessions/desk/chats/not-a-chat/read')).status, 400)
  })

  it('sends a group read receipt naming the member who wrote', async () => {
    const group = sim.createGroup({ subject: 'Support', participants: [PHONE, CONTACT, MEMBER] })
    const { id } = await sim.sendGroupMessage(group.jid, MEMBER, { conversation: 'group hello' })
    await waitFor(async () => (await unreadOf(group.jid)) === 1, { what: 'the group message stored' })
    assert.deepEqual((await client.post(`/api/sessions/desk/chats/${group.jid}/read`)).body, { success: true, read: 1 })
    const receipt = await sim.waitForSignal((signal) => signal.kind === 'read' && signal.ids.includes(id))
    assert.equal(receipt.kind === 'read' && receipt.to, group.jid)
    assert.match(String(receipt.kind === 'read' && receipt.participant), /@(lid|s\.whatsapp\.net)$/)
  })

  it('shows typing, recording and paused in a chat', async () => {
    for (const [state, seen] of [['typing', 'composing'], ['recording', 'recording'], ['paused', 'paused']] as const) {
      const response = await client.post(`/api/sessions/desk/chats/${CONTACT}/presence`, { state })
      assert.equal(response.status, 200, JSON.stringify(response.body))
      await sim.waitForSignal((signal) => signal.kind === 'chatstate' && signal.to === CONTACT_JID && signal.state === seen)
    }
    assert.equal((await client.post(`/api/sessions/desk/chats/${CONTACT}/presence`, { state: 'dancing' })).status, 400)
  })

  it('sets the account online and offline under its profile name', async () => {
    // The name arrives with the phone's first messages to the new device.
    await waitFor(async () => (await client.post('/api/sessions/desk/presence', { state: 'online' })).status === 200, { what: 'presence accepted' })
    const online = await sim.waitForSignal((signal) => signal.kind === 'presence' && signal.state === 'available')
    assert.equal(online.kind === 'presence' && online.name, `User ${PHONE.slice(-4)}`)
    assert.equal((await client.post('/api/sessions/desk/presence', { state: 'offline' })).status, 200)
    await sim.waitForSignal((signal) => signal.kind === 'presence' && signal.state === 'unavailable')
  })

  it('shows typing for typingMs before a message goes out', async () => {
    let typingBeforeArrival: boolean | undefined
    const stop = sim.onReceived((message) => {
      if (message.text !== 'typed for a while') return
      typingBeforeArrival = sim.clientSignals(PHONE).some((signal) =>
        signal.kind === 'chatstate' && signal.to === CONTACT_JID && signal.state === 'composing')
    })
    const composingBefore = signalsOf('chatstate').length
    const sent = await client.post('/api/messages/send', { deviceId: 'desk', number: CONTACT, message: 'typed for a while', typingMs: 300 })
    stop()
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    assert.equal(typingBeforeArrival, true)
    assert.ok(signalsOf('chatstate').length > composingBefore)
    assert.equal((await client.post('/api/messages/send', { deviceId: 'desk', number: CONTACT, message: 'x', typingMs: 20_001 })).status, 400)
  })

  it('follows a contact\'s presence once subscribed: online, offline with last seen, typing', async () => {
    sim.setContactPresence(CONTACT, { online: true })
    const lastSeen = Date.UTC(2026, 11, 1, 12, 30)
    const events = await readEvents(`${server.baseUrl}/api/events?deviceId=desk&types=presence.update`, { authorization: `Bearer ${ADMIN_KEY}` },
      (seen) => seen.filter((event) => event.type === 'presence.update').length >= 3,
      () => {
        void client.post(`/api/sessions/desk/contacts/${CONTACT}/presence/subscribe`).then(async (subscribed) => {
          assert.deepEqual(subscribed.body, { success: true, jid: CONTACT_JID })
          await waitFor(() => sim.clientSignals(PHONE).some((signal) => signal.kind === 'subscribe' && signal.to === CONTACT_JID), { what: 'the subscription' })
          sim.setContactPresence(CONTACT, { online: false, lastSeen })
          sim.sendChatState(PHONE, CONTACT, 'composing')
        })
      })
    const updates = events.filter((event) => event.type === 'presence.update').map((event) => event.data)
    assert.deepEqual(updates[0], { chat: CONTACT_JID, participant: CONTACT_JID, state: 'online', lastSeen: null })
    assert.deepEqual(updates[1], { chat: CONTACT_JID, participant: CONTACT_JID, state: 'offline', lastSeen: new Date(lastSeen).toISOString() })
    assert.equal(updates[2].state, 'typing')
    assert.equal((await client.post('/api/sessions/desk/contacts/120363000000000001@g.us/presence/subscribe')).status, 400)

    // WhatsApp forgets subscriptions with the connection: the session subscribes again once it is back.
    const subscriptions = () => sim.clientSignals(PHONE).filter((signal) => signal.kind === 'subscribe' && signal.to === CONTACT_JID).length
    const before = subscriptions()
    sim.drop(PHONE)
    await waitFor(() => subscriptions() > before, { what: 'the subscription renewed after a reconnect', timeoutMs: 20_000 })
    await waitFor(async () => (await admin.state('desk')) === 'connected', { what: 'desk connected again' })
  })

  it('stores and announces what the account types on its phone as message.sent, never as unread', async () => {
    const unreadBefore = await unreadOf(CONTACT_JID)
    let id = ''
    const events = await readEvents(`${server.baseUrl}/api/events?deviceId=desk&types=message.sent`, { authorization: `Bearer ${ADMIN_KEY}` },
      (seen) => seen.some((event) => event.type === 'message.sent'),
      () => {
        void sim.sendFromPhone(PHONE, CONTACT, { conversation: 'typed on the phone' }).then((sent) => (id = sent.id))
      })
    const sent = events.find((event) => event.type === 'message.sent')!.data
    assert.equal(sent.id, id)
    assert.equal(sent.chat, CONTACT_JID)
    assert.equal(sent.fromMe, true)
    assert.equal(sent.text, 'typed on the phone')
    assert.equal(sent.sender.phoneNumber, PHONE)
    assert.equal(sent.sender.pushName, `User ${PHONE.slice(-4)}`)

    const listed = (await client.get(`/api/sessions/desk/chats/${CONTACT}/messages`)).body.messages as
      Array<{ id: string; fromMe: boolean; sentBy: string | null; text: string | null; status: string | null }>
    // WhatsApp stamps messages to the second: an API send of the same second may list before it.
    const mine = listed.find((message) => message.id === id)
    assert.equal(mine?.fromMe, true)
    assert.equal(mine?.sentBy, 'device')
    // Both sides, each message once: what the API sent this contact is listed from the outbox.
    assert.deepEqual(listed.filter((message) => message.sentBy === 'device').map((message) => message.id), [id])
    const typed = listed.filter((message) => message.text === 'typed for a while')
    assert.equal(typed.length, 1)
    assert.equal(typed[0]?.sentBy, 'api')
    assert.equal(typed[0]?.fromMe, true)
    assert.ok(['sent', 'delivered', 'read'].includes(typed[0]?.status ?? ''), String(typed[0]?.status))
    assert.equal(new Set(listed.map((message) => message.id)).size, listed.length)
    assert.ok(listed.filter((message) => !message.fromMe).every((message) => message.sentBy === null))
    assert.equal(await unreadOf(CONTACT_JID), unreadBefore)
    assert.equal((await client.post(`/api/sessions/desk/chats/${CONTACT}/read`, { messageIds: [id] })).status, 404)

    // The contact reads it: its status moves like an API send's.
    const statuses = await readEvents(`${server.baseUrl}/api/events?deviceId=desk&types=message.status`, { authorization: `Bearer ${ADMIN_KEY}` },
      (seen) => seen.some((event) => event.data.messageId === id && event.data.status === 'read'),
      () => void sim.sendReceipt(PHONE, id, 'read'))
    assert.deepEqual(statuses.find((event) => event.data.messageId === id && event.data.status === 'read')?.data, { messageId: id, status: 'read', error: null })
    const after = (await client.get(`/api/sessions/desk/chats/${CONTACT}/messages`)).body.messages as Array<{ id: string; fromMe: boolean; status: string | null }>
    assert.equal(after.find((message) => message.id === id)?.status, 'read')
    assert.ok(after.filter((message) => message.id !== id && !message.fromMe).every((message) => message.status === null), 'received messages have no status')
  })

  it('takes the account\'s name as its phone last gave it, without reconnecting', async () => {
    const session = async () => (await admin.get('/api/sessions/desk')).body.session as { pushName: string | null; connectionState: string }
    assert.notEqual((await session()).pushName, 'Desk on the phone')
    sim.setProfile(PHONE, { pushName: 'Desk on the phone' })
    await sim.sendFromPhone(PHONE, CONTACT, { conversation: 'signed with a new name' })
    await waitFor(async () => (await session()).pushName === 'Desk on the phone', { what: 'the name the phone gave with its message' })
    assert.equal((await session()).connectionState, 'connected')
  })

  it('answers 409 while the session is not connected, 404 for an unknown one', async () => {
    assert.equal((await admin.post('/api/sessions/desk/stop')).status, 200)
    await waitFor(async () => (await admin.state('desk')) === 'disconnected', { what: 'desk stopped' })
    for (const [path, body] of [
      [`/api/sessions/desk/chats/${CONTACT}/read`, undefined],
      [`/api/sessions/desk/chats/${CONTACT}/presence`, { state: 'typing' }],
      ['/api/sessions/desk/presence', { state: 'online' }],
      [`/api/sessions/desk/contacts/${CONTACT}/presence/subscribe`, undefined],
    ] as const) {
      const response = await client.post(path, body)
      assert.equal(response.status, 409, `${path}: ${JSON.stringify(response.body)}`)
      assert.match(response.body.error, /not connected/)
    }
    assert.equal((await admin.post(`/api/sessions/nobody/chats/${CONTACT}/read`)).status, 404)
  })
})
