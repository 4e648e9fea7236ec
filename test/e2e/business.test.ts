import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { proto } from '@whiskeysockets/baileys'
import { after, describe, it } from 'node:test'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { WebhookReceiver } from '../support/webhook-receiver.js'

const ADMIN_KEY = 'business-admin-key-0123456789abcdef'
const PHONE = '15550007000'
const CUSTOMER = '15550007001'
const CUSTOMER_JID = `${CUSTOMER}@s.whatsapp.net`
const OTHER_CUSTOMER = '15550007002'
const OTHER_CUSTOMER_JID = `${OTHER_CUSTOMER}@s.whatsapp.net`
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2048)])
const OGG = Buffer.concat([Buffer.from('OggS'), randomBytes(1024)])

describe('what businesses publish and how they sort chats, against the protocol simulator: labels, status, channels', async () => {
  const sim = await startSim()
  const everything = await WebhookReceiver.start('/all')
  const statuses = await WebhookReceiver.start('/statuses')
  // The phone's history names both customers: they become the session's contacts.
  sim.setPhoneHistory(PHONE, [CUSTOMER, OTHER_CUSTOMER].map((chat, index) => ({
    chat, name: `Customer ${index + 1}`, messages: [{ id: `HIST-${index}`, text: 'hello', timestamp: Date.now() - 3600_000 }],
  })))
  const server = await startServerProcess({ ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir(), ALLOW_PRIVATE_URLS: 'true' })
  after(() => server.stop())
  const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
  const client = admin.withKey(await createPairedSession(admin, sim, 'desk', PHONE))
  assert.equal((await client.post('/api/sessions/desk/webhooks', { url: everything.url })).status, 201)
  assert.equal((await client.post('/api/sessions/desk/webhooks', { url: statuses.url, events: ['status.received'] })).status, 201)
  // Label writes need the app-state key the phone shares right after linking.
  await waitFor(async () => (await client.get('/api/sessions/desk/labels')).status === 200 && (await client.put(`/api/sessions/desk/chats/${CUSTOMER}/labels`, { labelIds: [] })).status === 200, {
    what: 'the app-state key',
  })
  const labelEvents = () => everything.uniqueEvents().filter((event) => event.type === 'label.updated')

  it('creates, renames and deletes labels and labels chats through app-state patches the phone decrypts', async () => {
    const pushesBefore = sim.appStatePushes(PHONE).length
    const created = await client.post('/api/sessions/desk/labels', { name: 'Awaiting payment', color: 4 })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const { id } = created.body.label
    assert.deepEqual(created.body.label, { id, name: 'Awaiting payment', color: 4, predefinedId: null, chatCount: 0 })
    const second = await client.post('/api/sessions/desk/labels', { name: 'VIP' })
    assert.equal(second.body.label.id, String(Number(id) + 1))
    assert.equal((await client.post('/api/sessions/desk/labels', { name: 'vip' })).status, 409, 'names are unique, ignoring case')

    const labelled = await client.put(`/api/sessions/desk/chats/+1 555 000 7001/labels`, { labelIds: [id, second.body.label.id] })
    assert.deepEqual(labelled.body, { success: true, labelIds: [id, second.body.label.id] })
    const unlabelled = await client.put(`/api/sessions/desk/chats/${CUSTOMER_JID}/labels`, { labelIds: [second.body.label.id] })
    assert.deepEqual(unlabelled.body.labelIds, [second.body.label.id])
    const renamed = await client.put(`/api/sessions/desk/labels/${id}`, { name: 'Paid', color: 7 })
    assert.deepEqual(renamed.body.label, { id, name: 'Paid', color: 7, predefinedId: null, chatCount: 0 })
    assert.equal((await client.delete(`/api/sessions/desk/labels/${second.body.label.id}`)).status, 200)

    const pushes = sim.appStatePushes(PHONE).slice(pushesBefore)
    assert.deepEqual(pushes.map((push) => [push.collection, ...push.index]), [
      ['regular', 'label_edit', id],
      ['regular', 'label_edit', second.body.label.id],
      ['regular', 'label_jid', id, CUSTOMER_JID],
      ['regular', 'label_jid', second.body.label.id, CUSTOMER_JID],
      ['regular', 'label_jid', id, CUSTOMER_JID],
      ['regular', 'label_edit', id],
      ['regular', 'label_edit', second.body.label.id],
    ])
    assert.equal(pushes[0]!.action.labelEditAction?.name, 'Awaiting payment')
    assert.equal(pushes[4]!.action.labelAssociationAction?.labeled, false)
    assert.equal(pushes[5]!.action.labelEditAction?.color, 7)
    assert.equal(pushes[6]!.action.labelEditAction?.deleted, true)

    const listed = await client.get('/api/sessions/desk/labels')
    assert.deepEqual(listed.body.labels, [{ id, name: 'Paid', color: 7, predefinedId: null, chatCount: 0 }])
    assert.deepEqual((await client.get(`/api/sessions/desk/chats/${CUSTOMER}/labels`)).body.labelIds, [])
    await waitFor(() => labelEvents().length >= 7, { what: 'label.updated for each API change' })
    assert.deepEqual(labelEvents().slice(0, 7).map((event) => [event.data.origin, event.data.change]), [
      ['api', 'saved'], ['api', 'saved'], ['api', 'chat-labeled'], ['api', 'chat-labeled'], ['api', 'chat-unlabeled'], ['api', 'saved'], ['api', 'deleted'],
    ])
  })

  it('hears labels the user makes and puts on chats on the phone: label.updated from the device, and the lists follow', async () => {
    const before = labelEvents().length
    await sim.phoneChatAction(PHONE, { addLabel: { id: '40', name: 'New order', color: 2, predefinedId: 3 } }, '')
    await sim.phoneChatAction(PHONE, { addChatLabel: { labelId: '40' } }, CUSTOMER_JID)
    await waitFor(() => labelEvents().length >= before + 2, { what: 'label.updated from the phone' })
    assert.deepEqual(labelEvents().slice(before).map((event) => event.data), [
      { origin: 'device', change: 'saved', label: { id: '40', name: 'New order', color: 2, predefinedId: '3' } },
      { origin: 'device', change: 'chat-labeled', chat: CUSTOMER_JID, labelId: '40' },
    ])
    const label = await client.get('/api/sessions/desk/labels/40')
    assert.deepEqual(label.body.label, { id: '40', name: 'New order', color: 2, predefinedId: '3', chatCount: 1, chats: [CUSTOMER_JID] })
    await sim.phoneChatAction(PHONE, { addLabel: { id: '40', name: 'New order', color: 2, deleted: true } }, '')
    await waitFor(async () => (await client.get('/api/sessions/desk/labels/40')).status === 404, { what: 'the label deleted on the phone gone' })
    assert.deepEqual((await client.get(`/api/sessions/desk/chats/${CUSTOMER}/labels`)).body.labelIds, [])
  })

  it('refuses label input that cannot be right with a clear 4xx', async () => {
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['POST', '/api/sessions/desk/labels', { name: '' }, 400, /name/],
      ['POST', '/api/sessions/desk/labels', { name: 'x', color: 20 }, 400, /color/],
      ['POST', '/api/sessions/desk/labels', { name: 'x', extra: 1 }, 400, /extra|additional/i],
      ['PUT', '/api/sessions/desk/labels/999', { name: 'x' }, 404, /no label "999"/],
      ['PUT', '/api/sessions/desk/labels/1', {}, 400, /name, color/],
      ['DELETE', '/api/sessions/desk/labels/999', undefined, 404, /no label/],
      ['PUT', `/api/sessions/desk/chats/${CUSTOMER}/labels`, { labelIds: ['999'] }, 404, /no label 999/],
      ['PUT', `/api/sessions/desk/chats/${CUSTOMER}/labels`, { labelIds: ['1', '1'] }, 400, /twice/],
      ['PUT', '/api/sessions/desk/chats/not-a-number/labels', { labelIds: [] }, 400, /phone number/],
      ['GET', '/api/sessions/nobody/labels', undefined, 404, /nobody/],
    ]
    for (const [method, path, body, status, error] of cases) {
      const response = await admin.request(method, path, body)
      assert.equal(response.status, status, `${method} ${path}: ${JSON.stringify(response.body)}`)
      assert.match(response.body.error, error, `${method} ${path}`)
    }
  })

  it('posts text, image and voice status updates that exactly their audience decrypts, and deletes one for the same people', async () => {
    const text = await client.post('/api/sessions/desk/status', {
      audience: ['+1 555 000 7001', OTHER_CUSTOMER_JID], message: 'Open on Sunday', backgroundColor: '#1E88E5', font: 2,
    })
    assert.equal(text.status, 200, JSON.stringify(text.body))
    assert.deepEqual({ ...text.body, messageId: undefined }, { success: true, status: 'sent', to: 'status@broadcast', message: 'Open on Sunday', messageId: undefined, type: 'text', audience: 2 })
    const gotText = await sim.waitForMessage((m) => m.id === text.body.messageId, 10_000)
    assert.equal(gotText.to, 'status@broadcast')
    assert.deepEqual([...gotText.decryptedBy!].sort(), [CUSTOMER, OTHER_CUSTOMER])
    assert.equal(gotText.message.extendedTextMessage?.text, 'Open on Sunday')
    assert.equal(gotText.message.extendedTextMessage?.backgroundArgb, 0xff1e88e5)
    assert.equal(gotText.message.extendedTextMessage?.font, 2)

    const image = await client.post('/api/sessions/desk/status', { audience: 'contacts', image: { base64: PNG.toString('base64'), caption: 'This week only' }, queue: true })
    assert.equal(image.status, 202, JSON.stringify(image.body))
    assert.equal(image.body.audience, 2, 'the history\'s two contacts')
    const gotImage = await sim.waitForMessage((m) => m.id === image.body.messageId, 10_000)
    assert.deepEqual([...gotImage.decryptedBy!].sort(), [CUSTOMER, OTHER_CUSTOMER])
    assert.equal(gotImage.message.imageMessage?.caption, 'This week only')
    assert.ok(gotImage.media?.data.equals(PNG), 'the viewers decrypt the same image')

    const voice = await client.post('/api/sessions/desk/status', { audience: [CUSTOMER], voice: { base64: OGG.toString('base64'), mimetype: 'audio/ogg; codecs=opus' } })
    assert.equal(voice.status, 200, JSON.stringify(voice.body))
    const gotVoice = await sim.waitForMessage((m) => m.id === voice.body.messageId, 10_000)
    assert.deepEqual(gotVoice.decryptedBy, [CUSTOMER])
    assert.equal(gotVoice.message.audioMessage?.ptt, true)

    const deleted = await client.delete(`/api/sessions/desk/status/${text.body.messageId}`)
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body))
    const gotDelete = await sim.waitForMessage((m) => m.id === deleted.body.messageId, 10_000)
    assert.equal(gotDelete.message.protocolMessage?.type, proto.Message.ProtocolMessage.Type.REVOKE)
    assert.equal(gotDelete.message.protocolMessage?.key?.id, text.body.messageId)
    assert.deepEqual([...gotDelete.decryptedBy!].sort(), [CUSTOMER, OTHER_CUSTOMER], 'the deletion reaches the same audience')
    assert.equal((await client.get(`/api/messages/${text.body.messageId}`)).body.to, 'status@broadcast')
  })

  it('announces contacts\' status updates as status.received, only to receivers that ask for that type', async () => {
    await sim.postStatus(CUSTOMER, [PHONE], { extendedTextMessage: { text: 'New arrivals today', backgroundArgb: 0xff00ff00 } })
    const [status] = await waitFor(() => statuses.uniqueEvents().length > 0 && statuses.uniqueEvents(), { what: 'status.received' })
    assert.equal(status!.type, 'status.received')
    assert.deepEqual([status!.data.chat, status!.data.sender.phoneNumber, status!.data.text, status!.data.isGroup], ['status@broadcast', CUSTOMER, 'New arrivals today', false])
    // Events reach each receiver in order: once this later message arrived, an earlier status would have too.
    const { id } = await sim.sendText(PHONE, CUSTOMER, 'are you open?')
    await waitFor(() => everything.uniqueEvents().some((event) => event.type === 'message.received' && event.data.id === id), { what: 'the later message' })
    assert.deepEqual(everything.uniqueEvents().filter((event) => event.data.chat === 'status@broadcast'), [], 'no status update for a receiver that did not ask')
    assert.deepEqual(statuses.uniqueEvents().map((event) => event.type), ['status.received'])
  })

  it('refuses status input that cannot be right with a clear 4xx', async () => {
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['POST', '/api/sessions/desk/status', { audience: [CUSTOMER] }, 400, /exactly one of message, image, video, voice/],
      ['POST', '/api/sessions/desk/status', { audience: [CUSTOMER], message: 'a', image: { base64: PNG.toString('base64') } }, 400, /not message and image/],
      ['POST', '/api/sessions/desk/status', { audience: [CUSTOMER], image: { base64: PNG.toString('base64') }, font: 1 }, 400, /text statuses/],
      ['POST', '/api/sessions/desk/status', { audience: [], message: 'a' }, 400, /audience/],
      ['POST', '/api/sessions/desk/status', { audience: 'everyone', message: 'a' }, 400, /audience/],
      ['POST', '/api/sessions/desk/status', { audience: ['120363000000000001@g.us'], message: 'a' }, 400, /group/],
      ['POST', '/api/sessions/desk/status', { audience: [CUSTOMER], message: 'a', backgroundColor: 'blue' }, 400, /backgroundColor/],
      ['POST', '/api/sessions/desk/status', { audience: [CUSTOMER], message: 'a', font: 4 }, 400, /font/],
      ['POST', '/api/sessions/desk/status', { audience: ['not a number'], message: 'a' }, 400, /audience must be "contacts" or a list/],
      ['DELETE', '/api/sessions/desk/status/NOT-POSTED', undefined, 404, /no status "NOT-POSTED"/],
    ]
    for (const [method, path, body, status, error] of cases) {
      const response = await admin.request(method, path, body)
      assert.equal(response.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(response.body)}`)
      assert.match(response.body.error, error, `${method} ${path}`)
    }
  })

  it('creates a channel this account owns and posts to it through the outbox', async () => {
    const created = await client.post('/api/sessions/desk/channels', { name: 'Shop news', description: 'Offers and opening hours' })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const { channel } = created.body
    assert.match(channel.jid, /^\d+@newsletter$/)
    assert.deepEqual({ ...channel, jid: undefined, inviteLink: undefined, createdAt: undefined }, {
      jid: undefined, name: 'Shop news', description: 'Offers and opening hours', inviteLink: undefined, subscribers: 0, verified: false,
      pictureUrl: null, createdAt: undefined, role: 'owner', muted: false,
    })
    assert.equal(channel.inviteLink, `https://whatsapp.com/channel/${sim.channelOf(channel.jid)!.invite}`)
    assert.equal(sim.channelOf(channel.jid)!.owner, PHONE)

    const sent = await client.post('/api/messages/send', { deviceId: 'desk', number: channel.jid, message: 'Sunday: 20% off' })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    assert.deepEqual(sim.channelOf(channel.jid)!.posts.map((post) => [post.id, post.text]), [[sent.body.messageId, 'Sunday: 20% off']])
    const listed = await client.get('/api/sessions/desk/channels')
    assert.deepEqual(listed.body.channels.map((c: { jid: string; role: string }) => [c.jid, c.role]), [[channel.jid, 'owner']])
  })

  it('looks channels up by JID or link, follows, mutes and unfollows them, and hears their posts as message.received', async () => {
    const news = sim.createChannel(OTHER_CUSTOMER, 'City news', { description: 'What happens in town', verified: true })
    const byJid = await client.get(`/api/sessions/desk/channels/${news.jid}`)
    assert.equal(byJid.status, 200, JSON.stringify(byJid.body))
    assert.deepEqual([byJid.body.channel.name, byJid.body.channel.description, byJid.body.channel.verified, byJid.body.channel.role], ['City news', 'What happens in town', true, 'guest'])
    const link = `https://whatsapp.com/channel/${news.invite}`
    assert.equal((await client.get(`/api/sessions/desk/channels/${encodeURIComponent(link)}`)).body.channel.jid, news.jid)

    const followed = await client.post(`/api/sessions/desk/channels/${encodeURIComponent(link)}/follow`)
    assert.deepEqual(followed.body, { success: true, jid: news.jid })
    assert.equal(sim.channelOf(news.jid)!.followers.get(PHONE), false)
    assert.equal((await client.post(`/api/sessions/desk/channels/${news.jid}/mute`)).status, 200)
    assert.equal(sim.channelOf(news.jid)!.followers.get(PHONE), true)
    const listed = (await client.get('/api/sessions/desk/channels')).body.channels.find((c: { jid: string }) => c.jid === news.jid)
    assert.deepEqual([listed.role, listed.muted, listed.subscribers], ['subscriber', true, 1])
    assert.equal((await client.post(`/api/sessions/desk/channels/${news.jid}/unmute`)).status, 200)
    assert.equal(sim.channelOf(news.jid)!.followers.get(PHONE), false)

    const { id } = sim.postToChannel(news.jid, { conversation: 'Road works on Main Street' })
    await waitFor(() => everything.uniqueEvents().some((event) => event.type === 'message.received' && event.data.id === id), { what: 'the channel post' })
    const post = everything.uniqueEvents().find((event) => event.data.id === id)!
    assert.deepEqual([post.data.chat, post.data.isChannel, post.data.isGroup, post.data.text], [news.jid, true, false, 'Road works on Main Street'])
    const chat = (await client.get('/api/sessions/desk/chats')).body.chats.find((c: { jid: string }) => c.jid === news.jid)
    assert.deepEqual([chat?.isChannel, chat?.isGroup], [true, false])
    const stored = await client.get(`/api/sessions/desk/chats/${news.jid}/messages`)
    assert.deepEqual(stored.body.messages.map((m: { id: string; isChannel: boolean }) => [m.id, m.isChannel]), [[id, true]])

    const notOwned = await client.post('/api/messages/send', { deviceId: 'desk', number: news.jid, message: 'not mine to post' })
    assert.equal(notOwned.status, 502, 'WhatsApp refuses a post to a channel the account does not own')
    assert.equal((await client.get(`/api/messages/${notOwned.body.messageId}`)).body.status, 'failed')

    assert.equal((await client.post(`/api/sessions/desk/channels/${news.jid}/unfollow`)).status, 200)
    assert.equal(sim.channelOf(news.jid)!.followers.has(PHONE), false)
  })

  it('refuses channel input that cannot be right with a clear 4xx', async () => {
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['GET', '/api/sessions/desk/channels/120363999999999999@newsletter', undefined, 404, /No such channel/],
      ['GET', '/api/sessions/desk/channels/not%20a%20channel', undefined, 400, /channel must be/],
      ['GET', '/api/sessions/desk/channels/123@g.us', undefined, 400, /channel JID/],
      ['POST', '/api/sessions/desk/channels/120363999999999999@newsletter/follow', undefined, 404, /No such channel/],
      ['POST', '/api/sessions/desk/channels', { name: '   ' }, 400, /name/],
      ['POST', '/api/sessions/desk/channels', { name: 'x', picture: 'y' }, 400, /picture|additional/i],
      ['POST', '/api/sessions/desk/channels/120363999999999999@newsletter/subscribe', undefined, 404, /not found/i],
      ['POST', '/api/sessions/desk/chats/120363999999999999@newsletter/read', undefined, 400, /is a channel/],
      ['POST', '/api/sessions/desk/chats/120363999999999999@newsletter/archive', undefined, 400, /is a channel/],
    ]
    for (const [method, path, body, status, error] of cases) {
      const response = await admin.request(method, path, body)
      assert.equal(response.status, status, `${method} ${path}: ${JSON.stringify(response.body)}`)
      assert.match(response.body.error, error, `${method} ${path}`)
    }
  })
})
