import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { BinaryNode } from '@whiskeysockets/baileys'
import { startSimulator, type Simulator } from '../index.js'
import { connectLinkedClient, type TestClient } from './client.js'

const VIEWERS = ['15554440001', '15554440002']
let sim: Simulator
let alice: TestClient
let bob: TestClient
let alicePhone: string
let bobPhone: string

before(async () => {
  sim = await startSimulator()
  ;({ client: alice, phoneNumber: alicePhone } = await connectLinkedClient(sim))
  ;({ client: bob, phoneNumber: bobPhone } = await connectLinkedClient(sim))
})
after(async () => {
  await Promise.all([alice.end(), bob.end()])
  await sim.close()
})

test('a status update is decrypted by exactly the audience the client named (statusJidList)', async () => {
  const sent = await alice.sock.sendMessage('status@broadcast', { text: 'open late today' }, {
    statusJidList: VIEWERS.map(phone => `${phone}@s.whatsapp.net`), backgroundColor: '#FF0000', font: 3
  })
  const got = await sim.waitForMessage(m => m.id === sent!.key.id)
  assert.equal(got.to, 'status@broadcast')
  assert.equal(got.group, undefined)
  assert.deepEqual([...got.decryptedBy!].sort(), VIEWERS)
  assert.equal(got.message.extendedTextMessage?.text, 'open late today')
  assert.equal(got.message.extendedTextMessage?.font, 3)
})

test('a contact\'s status reaches the linked devices in its audience, from status@broadcast with the poster as participant', async () => {
  const upsert = bob.next('messages.upsert', u => u.messages.some(m => m.key.remoteJid === 'status@broadcast'))
  await sim.postStatus(VIEWERS[0]!, [bobPhone], { conversation: 'new stock' })
  const message = (await upsert).messages.find(m => m.key.remoteJid === 'status@broadcast')!
  assert.equal(message.message?.conversation, 'new stock')
  assert.equal(message.key.remoteJidAlt, `${VIEWERS[0]}@s.whatsapp.net`)
})

test('channels: looked up by JID and invite, followed and muted by w:mex, posted to by their owner only', async () => {
  const { jid, invite } = sim.createChannel(alicePhone, 'Alice news', { description: 'daily' })
  const byInvite = await bob.sock.newsletterMetadata('invite', invite) as unknown as { id: string; thread_metadata: { name: { text: string } } }
  assert.deepEqual([byInvite.id, byInvite.thread_metadata.name.text], [jid, 'Alice news'])
  await bob.sock.newsletterFollow(jid)
  await bob.sock.newsletterMute(jid)
  assert.equal(sim.channelOf(jid)!.followers.get(bobPhone), true)

  const heard = bob.next('messages.upsert', u => u.messages.some(m => m.key.remoteJid === jid))
  const post = await alice.sock.sendMessage(jid, { text: 'first post' })
  assert.equal((await sim.waitForMessage(m => m.id === post!.key.id)).text, 'first post')
  const received = (await heard).messages.find(m => m.key.remoteJid === jid)!
  assert.equal(received.message?.conversation ?? received.message?.extendedTextMessage?.text, 'first post')

  const refused = new Promise<BinaryNode>(resolve => bob.sock.ws.on('CB:ack,class:message', (ack: BinaryNode) => ack.attrs.error && resolve(ack)))
  const notOwner = await bob.sock.sendMessage(jid, { text: 'not the owner' })
  const ack = await refused
  assert.deepEqual([ack.attrs.id, ack.attrs.error], [notOwner!.key.id, '401'])
  assert.deepEqual(sim.channelOf(jid)!.posts.map(p => p.text), ['first post'])
  await assert.rejects(bob.sock.newsletterMetadata('jid', '120363000000000000@newsletter'), /not found/)
})
