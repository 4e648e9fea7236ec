import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, test } from 'node:test'
import { DEFAULT_CONNECTION_CONFIG, proto, type UserFacingSocketConfig } from '@whiskeysockets/baileys'
import pino from 'pino'
import { startSimulator, type Simulator } from '../index.js'
import { connectClient, eventually, type TestClient } from './client.js'
import { trackingKeyStore } from './tracking-keys.js'

const Status = proto.WebMessageInfo.Status

/** Warnings the simulator logs, for asserting it gave up on a message. */
const warnings: Array<{ msg: string; id?: string }> = []
let sim: Simulator

async function open(config?: Partial<UserFacingSocketConfig>) {
  const { phoneNumber, creds } = sim.provision()
  const keys = trackingKeyStore()
  const client = connectClient(sim, { creds, keys: keys.store, ...(config ? { config } : {}) })
  await client.next('connection.update', u => u.connection === 'open')
  return { client, phoneNumber, keys }
}

const clients: TestClient[] = []

before(async () => {
  const logStream = new Writable({
    write(line: Buffer, _encoding, done) {
      warnings.push(JSON.parse(line.toString()) as { msg: string; id?: string })
      done()
    }
  })
  sim = await startSimulator({ logger: pino({ level: 'warn' }, logStream) })
})
after(async () => {
  await Promise.all(clients.map(c => c.end()))
  await sim.close()
})

test('a message sent on a stale session is retried by the phone and arrives once, decrypted', async () => {
  const contact = '15554440001@s.whatsapp.net'
  const { client, keys } = await open()
  clients.push(client)
  const send = async (text: string) => (await client.sock.sendMessage(contact, { text }))!.key.id!

  const first = await send('one')
  await sim.waitForMessage(m => m.id === first)

  // message 2 advances the client's ratchet; the key store then loses that step, as when a server
  // process dies before its key-store transaction commits and another takes the session over
  const beforeTwo = await keys.snapshot()
  const second = await send('two')
  await sim.waitForMessage(m => m.id === second)
  await keys.restore(beforeTwo)

  const retriesBefore = sim.retryReceiptsSent()
  const duplicatesBefore = sim.duplicatesDropped()
  const third = await send('three')
  const received = await sim.waitForMessage(m => m.id === third)
  assert.equal(received.text, 'three')
  await client.status(third, Status.DELIVERY_ACK)
  assert.equal(sim.retryReceiptsSent() - retriesBefore, 1)
  assert.equal(sim.duplicatesDropped() - duplicatesBefore, 0)
  for (const id of [second, third]) assert.equal(sim.received().filter(m => m.id === id).length, 1, `message ${id} recorded once`)

  // the fresh session the retry built carries on
  const fourth = await send('four')
  assert.equal((await sim.waitForMessage(m => m.id === fourth)).text, 'four')
  assert.equal(sim.retryReceiptsSent() - retriesBefore, 1)
})

test('a message that never decrypts is retried at most 5 times, then the phone gives up', async () => {
  const contact = '15554440002@s.whatsapp.net'
  let garble = false
  const { client } = await open({
    // Baileys would stop re-sending after two retries of its own; let it go on so the phone's limit shows
    maxMsgRetryCount: 100,
    // every copy leaves the client as garbage while `garble` is on: no session can read it
    makeSignalRepository: (...args) => {
      const repository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository(...args)
      const encrypt = repository.encryptMessage.bind(repository)
      repository.encryptMessage = async opts => {
        const result = await encrypt(opts)
        return garble ? { ...result, ciphertext: new Uint8Array(result.ciphertext.length) } : result
      }
      return repository
    }
  })
  clients.push(client)
  const first = (await client.sock.sendMessage(contact, { text: 'hello' }))!.key.id!
  await sim.waitForMessage(m => m.id === first)

  const retriesBefore = sim.retryReceiptsSent()
  garble = true
  const lost = (await client.sock.sendMessage(contact, { text: 'unreadable' }))!.key.id!
  await eventually(() => warnings.some(w => w.id === lost && /gave up/.test(w.msg)), 10_000)
  assert.equal(sim.retryReceiptsSent() - retriesBefore, 5)
  garble = false

  // the phone asks no more: the next message arrives with no further retry receipts
  const next = (await client.sock.sendMessage(contact, { text: 'readable again' }))!.key.id!
  assert.equal((await sim.waitForMessage(m => m.id === next)).text, 'readable again')
  assert.equal(sim.retryReceiptsSent() - retriesBefore, 5)
  assert.equal(warnings.filter(w => w.id === lost).length, 1)
  assert.equal(sim.received().some(m => m.id === lost), false)
})

test('a group participant that cannot read the sender key copy asks for a retry and then reads the message', async () => {
  const [stale, fresh] = ['15554440003', '15554440004'] as const
  const { client, phoneNumber, keys } = await open()
  clients.push(client)
  const groupJid = sim.createGroup({ subject: 'Retries', participants: [stale, fresh], owner: phoneNumber }).jid

  // the 1:1 session with `stale` loses a step, as in the first test
  const hello = (await client.sock.sendMessage(`${stale}@s.whatsapp.net`, { text: 'hello' }))!.key.id!
  await sim.waitForMessage(m => m.id === hello)
  const snapshot = await keys.snapshot()
  const again = (await client.sock.sendMessage(`${stale}@s.whatsapp.net`, { text: 'again' }))!.key.id!
  await sim.waitForMessage(m => m.id === again)
  await keys.restore(snapshot)

  // the sender key reaches `stale` on that session: its phone cannot read it, nor the skmsg
  const retriesBefore = sim.retryReceiptsSent()
  const duplicatesBefore = sim.duplicatesDropped()
  const id = (await client.sock.sendMessage(groupJid, { text: 'to the group' }))!.key.id!
  await eventually(() => sim.received().find(m => m.id === id)?.decryptedBy?.length === 2)
  const copies = sim.received().filter(m => m.id === id)
  assert.equal(copies.length, 1)
  assert.equal(copies[0]!.text, 'to the group')
  assert.deepEqual([...copies[0]!.decryptedBy!].sort(), [stale, fresh].sort())
  assert.equal(sim.retryReceiptsSent() - retriesBefore, 1)
  // the re-sent copy reached `fresh` too, which dropped it
  assert.equal(sim.duplicatesDropped() - duplicatesBefore, 1)
})

test('a contact\'s message the client cannot decrypt (its session fell behind) is re-sent by the contact\'s phone when asked, and read once', async () => {
  const contact = '15554440005'
  const { client, phoneNumber, keys } = await open()
  clients.push(client)
  const received = (id: string) => client.next('messages.upsert', u => u.messages.some(m => m.key.id === id && !!m.message?.conversation), 15_000)

  const hello = await sim.sendText(phoneNumber, contact, 'hello')
  await received(hello.id)
  // a few turns of the conversation move the session's ratchet to keys the client makes on the
  // way; then its key store loses those turns, as when the writes went to a database that had
  // just gone down
  const snapshot = await keys.snapshot()
  const reply = async (text: string) => {
    const id = (await client.sock.sendMessage(`${contact}@s.whatsapp.net`, { text }))!.key.id!
    await sim.waitForMessage(m => m.id === id)
  }
  await reply('reply')
  const second = await sim.sendText(phoneNumber, contact, 'second')
  await received(second.id)
  await reply('second reply')
  await keys.restore(snapshot)

  // the contact's next message is on the ratchet step the client forgot: it cannot read it and asks again
  const resentBefore = sim.messagesResent()
  const lost = await sim.sendText(phoneNumber, contact, 'after the lost step')
  const upsert = await received(lost.id)
  assert.equal(upsert.messages.find(m => m.key.id === lost.id)!.message!.conversation, 'after the lost step')
  assert.ok(sim.messagesResent() - resentBefore >= 1)

  // the new session carries on
  const after = await sim.sendText(phoneNumber, contact, 'and after that')
  await received(after.id)
})
