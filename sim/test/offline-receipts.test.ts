import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { proto, type AuthenticationCreds, type WAMessageKey } from '@whiskeysockets/baileys'
import { startSimulator, type Simulator } from '../index.js'
import { connectClient, eventually, type TestClient } from './client.js'
import { trackingKeyStore } from './tracking-keys.js'

const Status = proto.WebMessageInfo.Status

/** Long enough that nothing the sim holds back is written while a test runs. */
const HOLD_MS = 60_000

let sim: Simulator
const clients: TestClient[] = []

before(async () => {
  sim = await startSimulator()
})
after(async () => {
  await Promise.all(clients.map(c => c.end()))
  await sim.close()
})

/**
 * One linked device whose server process may die and come back: every socket it opens runs on
 * the same credentials and key store, and finds the messages it sent (getMessage) as a server
 * reading them back from its database would.
 */
function linkedDevice() {
  const { phoneNumber, creds } = sim.provision()
  const keys = trackingKeyStore()
  const sent = new Map<string, proto.IMessage>()
  /** message id -> every status its sockets reported for it, in order */
  const statuses = new Map<string, number[]>()
  return {
    phoneNumber,
    keys,
    statuses,
    async connect(): Promise<TestClient> {
      const client = connectClient(sim, {
        creds: creds as AuthenticationCreds,
        keys: keys.store,
        config: { getMessage: async (key: WAMessageKey) => sent.get(key.id ?? '') }
      })
      clients.push(client)
      client.sock.ev.on('messages.update', updates => {
        for (const { key, update } of updates) {
          if (key.id && update.status != null) statuses.set(key.id, [...(statuses.get(key.id) ?? []), update.status])
        }
      })
      await client.next('connection.update', u => u.connection === 'open')
      return client
    },
    async send(client: TestClient, to: string, text: string): Promise<string> {
      const message = (await client.sock.sendMessage(to, { text }))!
      sent.set(message.key.id!, message.message!)
      return message.key.id!
    },
    /** the process dies: its socket closes, and the sim notices */
    async die(client: TestClient): Promise<void> {
      await client.end()
      await eventually(() => sim.liveConnections(phoneNumber) === 0)
    }
  }
}

test('a retry receipt the sender never handled reaches it when it logs in again; the message then arrives once', async () => {
  const contact = '15556660001@s.whatsapp.net'
  const device = linkedDevice()
  const first = await device.connect()

  const one = await device.send(first, contact, 'one')
  await sim.waitForMessage(m => m.id === one)
  // the stale-session technique (see retry-receipts.test.ts): the key store loses the ratchet step of message two
  const beforeTwo = await device.keys.snapshot()
  const two = await device.send(first, contact, 'two')
  await sim.waitForMessage(m => m.id === two)
  await device.keys.restore(beforeTwo)

  const retriesBefore = sim.retryReceiptsSent()
  const duplicatesBefore = sim.duplicatesDropped()
  // the sim holds back what it writes, so the client is gone before it could see the retry receipt
  sim.delayMs = HOLD_MS
  let three: string
  try {
    three = await device.send(first, contact, 'three')
    await eventually(() => sim.retryReceiptsSent() - retriesBefore === 1)
    await device.die(first)
  } finally {
    sim.delayMs = 0
  }
  assert.equal(sim.received().some(m => m.id === three), false)
  assert.equal(sim.queuedReceipts(device.phoneNumber), 1)

  // the same device, from another process: the queued receipt makes it re-send on a fresh session
  const second = await device.connect()
  const received = await sim.waitForMessage(m => m.id === three)
  assert.equal(received.text, 'three')
  await second.status(three, Status.DELIVERY_ACK)
  assert.equal(sim.received().filter(m => m.id === three).length, 1)
  assert.equal(sim.retryReceiptsSent() - retriesBefore, 1)
  assert.equal(sim.duplicatesDropped() - duplicatesBefore, 0)
  assert.equal(sim.queuedReceipts(device.phoneNumber), 0)

  // and the session carries on
  const four = await device.send(second, contact, 'four')
  assert.equal((await sim.waitForMessage(m => m.id === four)).text, 'four')
  assert.equal(sim.retryReceiptsSent() - retriesBefore, 1)
})

test('delivery and read receipts for an offline device arrive on its next login', async () => {
  const contact = '15556660002'
  const device = linkedDevice()
  const first = await device.connect()
  sim.autoReceipts = 'none'
  let id: string
  try {
    id = await device.send(first, `${contact}@s.whatsapp.net`, 'hello')
    await sim.waitForMessage(m => m.id === id)
  } finally {
    sim.autoReceipts = 'delivered'
  }
  await device.die(first)

  await sim.sendReceipt(device.phoneNumber, id, 'delivered')
  await sim.sendReceipt(device.phoneNumber, id, 'read')
  assert.equal(sim.queuedReceipts(device.phoneNumber), 2)

  const second = await device.connect()
  await second.status(id, Status.READ)
  assert.equal(sim.queuedReceipts(device.phoneNumber), 0)
  // (Baileys folds the buffered updates of one login into one: the order is covered by receipt-delivery.test.ts)
  assert.equal(device.statuses.get(id)?.at(-1), Status.READ)
})

test('unlinking a device drops the receipts kept for it', async () => {
  const device = linkedDevice()
  const client = await device.connect()
  sim.autoReceipts = 'none'
  let id: string
  try {
    id = await device.send(client, '15556660003@s.whatsapp.net', 'bye')
    await sim.waitForMessage(m => m.id === id)
  } finally {
    sim.autoReceipts = 'delivered'
  }
  await device.die(client)
  await sim.sendReceipt(device.phoneNumber, id, 'read')
  assert.equal(sim.queuedReceipts(device.phoneNumber), 1)
  sim.unlink(device.phoneNumber)
  assert.equal(sim.queuedReceipts(device.phoneNumber), 0)
})
