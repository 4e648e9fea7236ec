import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { HistoryChat } from '../../sim/history-sync.js'
import type { Simulator } from '../../sim/index.js'
import { ApiClient } from '../support/api-client.js'
import { readEvents, type StreamedEvent } from '../support/event-stream.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const ADMIN_KEY = 'chats-admin-key-0123456789abcdef'
const CONTACT = '15559996666'
const CONTACT_JID = `${CONTACT}@s.whatsapp.net`
const MEMBER = '15559997777'
const GROUP_JID = '120363000000000077@g.us'
const DAY = 24 * 3600_000
const now = Date.now()

/** What the account's phone holds before it links the server: a pinned chat with an old message, an archived muted group. */
const PHONE_HISTORY: HistoryChat[] = [
  {
    chat: CONTACT,
    name: 'Ana (support)',
    unreadCount: 1,
    pinned: Math.floor((now - DAY) / 1000),
    messages: [
      { id: 'HIST-OLD', text: 'from last year', timestamp: now - 400 * DAY },
      { id: 'HIST-A1', text: 'hello from history', timestamp: now - 3 * DAY },
      { id: 'HIST-ME', fromMe: true, text: 'answered on the phone', timestamp: now - 2 * DAY, status: 'read' },
      { id: 'HIST-A2', text: 'still <b>unread</b>', timestamp: now - DAY },
    ],
  },
  {
    chat: GROUP_JID,
    name: 'Team',
    archived: true,
    muteEndTime: -1,
    messages: [{ id: 'HIST-G1', participant: MEMBER, text: 'group news', timestamp: now - 5 * DAY }],
  },
]

interface Chat { jid: string; name: string | null; isGroup: boolean; unread: number; archived: boolean; pinned: boolean; mutedUntil: string | null; markedUnread: boolean; lastMessage: { id: string; text: string } | null }
interface Message { id: string; text: string | null; fromMe: boolean; sentBy: string | null; status: string | null; readAt: string | null; starred: boolean }

async function linkWithHistory(sim: Simulator, phone: string, env: Record<string, string> = {}, history = PHONE_HISTORY) {
  sim.setPhoneHistory(phone, history)
  const server = await startServerProcess({ ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir(), ...env })
  const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
  let synced: StreamedEvent[] = []
  const historyDone = (events: StreamedEvent[]) => events.some((event) => event.type === 'history.synced' && event.data.kind !== 'initial')
  let client: ApiClient | undefined
  if (env.HISTORY_SYNC === 'none') {
    client = admin.withKey(await createPairedSession(admin, sim, 'desk', phone))
  } else {
    let pairing: Promise<string> | undefined
    synced = await readEvents(`${server.baseUrl}/api/events?types=history.synced,chat.updated`, { authorization: `Bearer ${ADMIN_KEY}` },
      historyDone, () => {
        pairing = createPairedSession(admin, sim, 'desk', phone)
      })
    client = admin.withKey(await pairing!)
  }
  return { server, admin, client, synced }
}

async function chatsOf(client: ApiClient): Promise<Chat[]> {
  const response = await client.get('/api/sessions/desk/chats')
  assert.equal(response.status, 200, JSON.stringify(response.body))
  return response.body.chats as Chat[]
}
const messagesOf = async (client: ApiClient, chat: string): Promise<Message[]> =>
  (await client.get(`/api/sessions/desk/chats/${chat}/messages`)).body.messages as Message[]

describe('chats against the protocol simulator: history sync, chat actions, changes made on the phone', async () => {
  const sim = await startSim()
  const PHONE = '15550006666'
  let server: ServerProcess
  let admin: ApiClient
  let client: ApiClient
  let synced: StreamedEvent[]

  before(async () => {
    ;({ server, admin, client, synced } = await linkWithHistory(sim, PHONE))
    await waitFor(async () => (await chatsOf(client)).length === 2 && (await messagesOf(client, CONTACT)).length === 3, { what: 'the history stored' })
  })
  after(() => server.stop())

  it('stores the phone\'s chats, contacts and recent messages from history sync, and announces them', async () => {
    const [ana, team] = await chatsOf(client)
    assert.deepEqual({ ...ana, lastMessage: ana?.lastMessage?.id }, {
      jid: CONTACT_JID, chat: CONTACT_JID, name: 'Ana (support)', isGroup: false, isChannel: false, unread: 1, markedUnread: false, archived: false, pinned: true,
      mutedUntil: null, lastMessageAt: ana!.lastMessage && new Date(now - DAY - (now - DAY) % 1000).toISOString(), lastMessage: 'HIST-A2',
    })
    assert.deepEqual([team?.jid, team?.name, team?.archived, team?.mutedUntil, team?.pinned, team?.isGroup], [GROUP_JID, 'Team', true, 'forever', false, true])

    const messages = await messagesOf(client, CONTACT)
    assert.deepEqual(messages.map((m) => [m.id, m.text, m.fromMe, m.sentBy, m.status, m.readAt === null]), [
      ['HIST-A2', 'still <b>unread</b>', false, null, null, true],
      ['HIST-ME', 'answered on the phone', true, 'device', 'read', true],
      ['HIST-A1', 'hello from history', false, null, null, false],
    ], 'recent messages only: the one from last year stays on the phone')
    const group = await messagesOf(client, GROUP_JID)
    assert.deepEqual(group.map((m) => [m.id, (m as unknown as { sender: { phoneNumber: string } }).sender.phoneNumber]), [['HIST-G1', MEMBER]])

    const contacts = (await client.get('/api/sessions/desk/contacts')).body.contacts as Array<{ jid: string; name: string | null; pushName: string | null }>
    const ana2 = contacts.find((contact) => contact.jid === CONTACT_JID)
    assert.equal(ana2?.name, 'Ana (support)')
    await waitFor(async () => {
      const listed = (await client.get('/api/sessions/desk/contacts')).body.contacts as Array<{ jid: string; pushName: string | null }>
      return listed.find((contact) => contact.jid === CONTACT_JID)?.pushName === `User ${CONTACT.slice(-4)}`
    }, { what: 'push names from the phone' })

    const history = synced.filter((event) => event.type === 'history.synced')
    assert.ok(history.length >= 1)
    assert.ok(history.every((event) => event.deviceId === 'desk' && typeof event.data.chats === 'number' && typeof event.data.messages === 'number'))
    assert.equal(history.reduce((sum, event) => sum + (event.data.messages as number), 0), 4, 'each stored message counted once')
  })

  it('archives, pins, mutes and marks unread through app-state patches the phone decrypts, and lists the result', async () => {
    const events = readEvents(`${server.baseUrl}/api/events?deviceId=desk&types=chat.updated`, { authorization: `Bearer ${ADMIN_KEY}` },
      (seen) => seen.length >= 5, () => undefined)
    const pushesBefore = sim.appStatePushes(PHONE).length
    for (const action of ['archive', 'unpin', 'unread']) {
      const done = await client.post(`/api/sessions/desk/chats/${CONTACT}/${action}`)
      assert.deepEqual([done.status, done.body], [200, { success: true }], action)
    }
    assert.equal((await client.post(`/api/sessions/desk/chats/${CONTACT}/mute`, { seconds: 3600 })).status, 200)
    assert.equal((await client.post(`/api/sessions/desk/chats/${GROUP_JID}/unmute`)).status, 200)

    const pushes = sim.appStatePushes(PHONE).slice(pushesBefore)
    assert.deepEqual(pushes.map((p) => p.index), [
      ['archive', CONTACT_JID], ['pin_v1', CONTACT_JID], ['markChatAsRead', CONTACT_JID], ['mute', CONTACT_JID], ['mute', GROUP_JID],
    ])
    assert.equal(pushes[0]!.action.archiveChatAction?.archived, true)
    assert.equal(String(pushes[0]!.action.archiveChatAction?.messageRange?.messages?.[0]?.key?.id), 'HIST-A2', 'checked against the newest message')
    assert.equal(pushes[1]!.action.pinAction?.pinned, false)
    assert.equal(pushes[2]!.action.markChatAsReadAction?.read, false)
    const muteEnd = Number(pushes[3]!.action.muteAction?.muteEndTimestamp)
    assert.ok(muteEnd > Date.now() + 3500_000 && muteEnd <= Date.now() + 3600_000, `mute end ${muteEnd}`)
    assert.equal(pushes[4]!.action.muteAction?.muted, false)

    const [ana, team] = await chatsOf(client)
    assert.deepEqual([ana?.jid, ana?.archived, ana?.pinned, ana?.markedUnread, ana?.mutedUntil === null], [CONTACT_JID, true, false, true, false])
    assert.equal(team?.mutedUntil, null)
    const announced = (await events).map((event) => [event.data.chat, event.data.origin, Object.keys(event.data).filter((k) => !['chat', 'origin'].includes(k))])
    assert.deepEqual(announced, [
      [CONTACT_JID, 'api', ['archived']], [CONTACT_JID, 'api', ['pinned']], [CONTACT_JID, 'api', ['markedUnread']],
      [CONTACT_JID, 'api', ['mutedUntil']], [GROUP_JID, 'api', ['mutedUntil']],
    ])

    // Reading the whole chat ends the "mark as unread", on the phone too.
    const beforeRead = sim.appStatePushes(PHONE).length
    assert.equal((await client.post(`/api/sessions/desk/chats/${CONTACT}/read`)).status, 200)
    const [cleared] = sim.appStatePushes(PHONE).slice(beforeRead)
    assert.deepEqual([cleared?.index, cleared?.action.markChatAsReadAction?.read], [['markChatAsRead', CONTACT_JID], true])
    assert.equal((await chatsOf(client)).find((chat) => chat.jid === CONTACT_JID)?.markedUnread, false)
  })

  it('hears what the user changes on the phone: chat.updated from the device, and the list follows', async () => {
    const events = readEvents(`${server.baseUrl}/api/events?deviceId=desk&types=chat.updated`, { authorization: `Bearer ${ADMIN_KEY}` },
      (seen) => seen.length >= 3, () => {
        void (async () => {
          const lastMessages = [{ key: { remoteJid: CONTACT_JID, id: 'HIST-A2', fromMe: false }, messageTimestamp: Math.floor((now - DAY) / 1000) }]
          await sim.phoneChatAction(PHONE, { archive: false, lastMessages }, CONTACT_JID)
          await sim.phoneChatAction(PHONE, { pin: true }, GROUP_JID)
          await sim.phoneChatAction(PHONE, { star: { messages: [{ id: 'HIST-A1', fromMe: false }], star: true } }, CONTACT_JID)
        })()
      })
    const seen = await events
    assert.deepEqual(seen.map((event) => [event.data.chat, event.data.origin]), [[CONTACT_JID, 'device'], [GROUP_JID, 'device'], [CONTACT_JID, 'device']])
    assert.deepEqual(seen[2]!.data.message, { id: 'HIST-A1', starred: true })
    const [team, ana] = await chatsOf(client)
    assert.deepEqual([team?.jid, team?.pinned, ana?.archived], [GROUP_JID, true, false])
    assert.equal((await messagesOf(client, CONTACT)).find((m) => m.id === 'HIST-A1')?.starred, true)
  })

  it('stars, deletes a message for this account, and deletes a chat', async () => {
    const pushesBefore = sim.appStatePushes(PHONE).length
    assert.equal((await client.post(`/api/sessions/desk/chats/${CONTACT}/messages/HIST-ME/star`)).status, 200)
    assert.equal((await client.delete(`/api/sessions/desk/chats/${CONTACT}/messages/HIST-A1`)).status, 200)
    const listed = await messagesOf(client, CONTACT)
    assert.deepEqual(listed.map((m) => [m.id, m.starred]), [['HIST-A2', false], ['HIST-ME', true]])

    assert.equal((await client.delete(`/api/sessions/desk/chats/${GROUP_JID}`)).status, 200)
    assert.deepEqual((await chatsOf(client)).map((chat) => chat.jid), [CONTACT_JID])
    assert.deepEqual(await messagesOf(client, GROUP_JID), [])
    const pushes = sim.appStatePushes(PHONE).slice(pushesBefore)
    assert.deepEqual(pushes.map((p) => p.index), [
      ['star', CONTACT_JID, 'HIST-ME', '1', '0'], ['deleteMessageForMe', CONTACT_JID, 'HIST-A1', '0', '0'], ['deleteChat', GROUP_JID, '1'],
    ])
  })

  it('forwards stored messages: a received text, a received photo (same upload), and its own API send', async () => {
    const forward = async (messageId: string) => {
      const sent = await client.post('/api/messages/send', { deviceId: 'desk', number: MEMBER, forward: { messageId } })
      assert.equal(sent.status, 200, JSON.stringify(sent.body))
      return sim.waitForMessage((m) => m.id === sent.body.messageId)
    }
    const text = await forward('HIST-A2')
    assert.equal(text.message.extendedTextMessage?.text ?? text.message.conversation, 'still <b>unread</b>')
    assert.equal(text.message.extendedTextMessage?.contextInfo?.isForwarded, true)

    const photo = Buffer.from('forwarded photo bytes')
    const received = await sim.sendMedia(PHONE, CONTACT, { kind: 'image', data: photo, mimetype: 'image/jpeg', caption: 'look' })
    await waitFor(async () => (await messagesOf(client, CONTACT)).some((m) => m.id === received.id), { what: 'the photo stored' })
    const image = await forward(received.id)
    assert.equal(image.message.imageMessage?.contextInfo?.isForwarded, true)
    assert.equal(image.message.imageMessage?.directPath, received.directPath, 'WhatsApp\'s upload is reused')
    assert.deepEqual(image.media?.data, photo)

    const again = await forward(text.id)
    assert.equal(again.message.extendedTextMessage?.contextInfo?.isForwarded, true)
    const listed = await messagesOf(client, MEMBER)
    assert.deepEqual(listed.slice(0, 3).map((m) => [m.sentBy, m.text]), [['api', 'still <b>unread</b>'], ['api', 'look'], ['api', 'still <b>unread</b>']])

    const missing = await client.post('/api/messages/send', { deviceId: 'desk', number: MEMBER, forward: { messageId: 'NOT-STORED' } })
    assert.equal(missing.status, 404)
    assert.match(missing.body.error, /NOT-STORED/)
  })

  it('answers bad input with a 4xx and changes nothing', async () => {
    const pushesBefore = sim.appStatePushes(PHONE).length
    const cases: Array<[string, string, unknown, number]> = [
      ['POST', `/api/sessions/desk/chats/${CONTACT}/messages/NOPE/star`, undefined, 404],
      ['DELETE', `/api/sessions/desk/chats/15551230000/messages/HIST-A2`, undefined, 404],
      ['POST', `/api/sessions/desk/chats/not-a-chat/archive`, undefined, 400],
      ['POST', `/api/sessions/desk/chats/${CONTACT}/mute`, { seconds: 0 }, 400],
      ['POST', `/api/sessions/desk/chats/${CONTACT}/mute`, { seconds: 'soon' }, 400],
      ['POST', `/api/sessions/desk/chats/${CONTACT}/mute`, { seconds: 400 * 24 * 3600 }, 400],
      ['POST', `/api/sessions/desk/chats/${CONTACT}/messages/HIST-A2/star`, { starred: 'yes' }, 400],
      ['POST', `/api/sessions/nobody/chats/${CONTACT}/pin`, undefined, 403],
    ]
    for (const [method, path, body, status] of cases) {
      const response = await client.request(method, path, body)
      assert.equal(response.status, status, `${method} ${path}: ${JSON.stringify(response.body)}`)
      assert.equal(response.body.success, false)
    }
    assert.equal(sim.appStatePushes(PHONE).length, pushesBefore)
    assert.equal((await admin.post('/api/sessions', { deviceId: 'idle' })).status, 201)
    const idle = await admin.post(`/api/sessions/idle/chats/${CONTACT}/archive`)
    assert.equal(idle.status, 409, JSON.stringify(idle.body))
    assert.match(idle.body.error, /not connected/)
  })
})

describe('history sync modes', async () => {
  const sim = await startSim()

  it('full: the phone sends old messages too', async () => {
    const { server, client } = await linkWithHistory(sim, '15550006667', { HISTORY_SYNC: 'full' })
    try {
      await waitFor(async () => (await messagesOf(client, CONTACT)).some((m) => m.id === 'HIST-OLD'), { what: 'the full history' })
    } finally {
      await server.stop()
    }
  })

  it('a chat the phone names by LID is listed under the phone number, and live messages join it', async () => {
    const CARLA = '15559996677'
    const history: HistoryChat[] = [{ chat: CARLA, byLid: true, name: 'Carla', messages: [{ id: 'HIST-LID', text: 'known by LID', timestamp: now - DAY }] }]
    const { server, client } = await linkWithHistory(sim, '15550006669', {}, history)
    try {
      await waitFor(async () => (await chatsOf(client)).length === 1, { what: 'the history stored' })
      const [carla] = await chatsOf(client)
      assert.deepEqual([carla?.jid, carla?.name], [`${CARLA}@s.whatsapp.net`, 'Carla'])
      const [stored] = await messagesOf(client, CARLA)
      assert.deepEqual([stored?.id, (stored as unknown as { sender: { phoneNumber: string; lid: string } }).sender.phoneNumber], ['HIST-LID', CARLA])
      await sim.sendText('15550006669', CARLA, 'and now live')
      await waitFor(async () => (await messagesOf(client, CARLA)).length === 2, { what: 'the live message in the same chat' })
      assert.equal((await chatsOf(client)).length, 1, 'one person, one chat')
      const contacts = (await client.get('/api/sessions/desk/contacts')).body.contacts as Array<{ jid: string; lid: string | null }>
      assert.deepEqual(contacts.map((contact) => contact.jid), [`${CARLA}@s.whatsapp.net`])
      assert.match(String(contacts[0]!.lid), /^\d+@lid$/)
    } finally {
      await server.stop()
    }
  })

  it('none: nothing from the phone\'s history is kept', async () => {
    const { server, client } = await linkWithHistory(sim, '15550006668', { HISTORY_SYNC: 'none' })
    try {
      // The phone shares its history right after login; a message received after it proves it was handled.
      await sim.sendText('15550006668', CONTACT, 'live one')
      await waitFor(async () => (await messagesOf(client, CONTACT)).length > 0, { what: 'the live message' })
      assert.deepEqual((await messagesOf(client, CONTACT)).map((m) => m.text), ['live one'])
      assert.deepEqual((await chatsOf(client)).map((chat) => chat.jid), [CONTACT_JID])
    } finally {
      await server.stop()
    }
  })
})
