import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { WAMessage } from '@whiskeysockets/baileys'
import { startSimulator, type Simulator } from '../index.js'
import { connectLinkedClient, type TestClient } from './client.js'

const CONTACTS = ['15553330001', '15553330002']
let sim: Simulator
let alice: TestClient
let bob: TestClient
let alicePhone: string
let bobPhone: string
let groupJid: string

before(async () => {
  sim = await startSimulator()
  ;({ client: alice, phoneNumber: alicePhone } = await connectLinkedClient(sim))
  ;({ client: bob, phoneNumber: bobPhone } = await connectLinkedClient(sim))
  groupJid = sim.createGroup({ subject: 'Team', participants: [bobPhone, ...CONTACTS], owner: alicePhone, description: 'our group' }).jid
})
after(async () => {
  await Promise.all([alice.end(), bob.end()])
  await sim.close()
})

test('groupFetchAllParticipating lists the groups the account is in, with their metadata', async () => {
  sim.createGroup({ subject: 'Without alice', participants: CONTACTS })
  const groups = await alice.sock.groupFetchAllParticipating()
  assert.deepEqual(Object.keys(groups), [groupJid])
  const meta = groups[groupJid]!
  assert.equal(meta.subject, 'Team')
  assert.equal(meta.desc, 'our group')
  assert.equal(meta.size, 4)
  assert.ok((meta.creation ?? 0) > 0)
  assert.deepEqual(meta.participants.map(p => p.phoneNumber).sort(), [alicePhone, bobPhone, ...CONTACTS].map(p => `${p}@s.whatsapp.net`).sort())
  assert.equal(meta.participants.find(p => p.phoneNumber === `${alicePhone}@s.whatsapp.net`)?.admin, 'superadmin')
})

test('groupMetadata of an unknown group fails with item-not-found', async () => {
  await assert.rejects(alice.sock.groupMetadata('120363000000000000@g.us'), /item-not-found/)
})

test('a text to a group is decrypted with the sender key by every other participant', async () => {
  const others = [bobPhone, ...CONTACTS].sort()
  for (const text of ['hello group', 'second, without a new sender key']) {
    const sent = await alice.sock.sendMessage(groupJid, { text })
    const received = await sim.waitForMessage(m => m.id === sent?.key.id)
    assert.equal(received.text, text)
    assert.equal(received.to, groupJid)
    assert.equal(received.group, groupJid)
    assert.equal(received.from, alicePhone)
    assert.deepEqual([...(received.decryptedBy ?? [])].sort(), others)
  }
})

for (const [round, encrypted] of [true, true, false].entries()) {
  test(`inbound group message ${round + 1} (${encrypted ? 'sender key' : 'plaintext'}) reaches every linked member`, async () => {
    const text = `from a contact, message ${round + 1}`
    const arrived = (client: TestClient) =>
      client.next('messages.upsert', ({ messages }) => messages.some(m => m.message?.conversation === text))
    const upserts = Promise.all([arrived(alice), arrived(bob)])
    const { id } = await sim.sendGroupMessage(groupJid, CONTACTS[0]!, { conversation: text }, { encrypted })
    for (const { messages } of await upserts) {
      const message = messages.find(m => m.message?.conversation === text) as WAMessage
      assert.equal(message.key.id, id)
      assert.equal(message.key.remoteJid, groupJid)
      assert.match(message.key.participant ?? '', /@lid$/)
      assert.equal(message.key.participantAlt, `${CONTACTS[0]}@s.whatsapp.net`)
      assert.equal(message.key.fromMe, false)
    }
  })
}
