import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { proto } from '@whiskeysockets/baileys'
import { startSimulator, type Simulator } from '../index.js'
import { makeMemoryKeyStore } from '../memory-keys.js'
import { connectClient, eventually, statusCodeOf, type TestClient } from './client.js'

const CONTACT_JID = '15559990000@s.whatsapp.net'
let sim: Simulator
before(async () => {
  sim = await startSimulator()
})
after(() => sim.close())

async function openClient(config = {}): Promise<{ client: TestClient; phoneNumber: string }> {
  const { phoneNumber, creds } = sim.provision()
  const client = connectClient(sim, { creds, config })
  await client.next('connection.update', u => u.connection === 'open')
  return { client, phoneNumber }
}

for (const code of [515, 440, 401, 500, 503]) {
  test(`kick with stream error ${code} closes the client with status ${code}`, async () => {
    const { client, phoneNumber } = await openClient()
    sim.kick(phoneNumber, code)
    assert.equal(statusCodeOf(await client.closed()), code)
  })
}

test('drop closes the socket without a stream error: 428 connection closed', async () => {
  const { client, phoneNumber } = await openClient()
  sim.drop(phoneNumber)
  assert.equal(statusCodeOf(await client.closed()), 428)
})

test('refused connections (reset during the upgrade) close the client with 408', async () => {
  const { creds } = sim.provision()
  sim.refuseConnections(true)
  try {
    const client = connectClient(sim, { creds })
    assert.equal(statusCodeOf(await client.closed()), 408)
  } finally {
    sim.refuseConnections(false)
  }
})

test('a second socket with the same credentials replaces the first (440)', async () => {
  const { phoneNumber, creds } = sim.provision()
  const first = connectClient(sim, { creds })
  await first.next('connection.update', u => u.connection === 'open')
  const second = connectClient(sim, { creds })
  await second.next('connection.update', u => u.connection === 'open')
  assert.equal(statusCodeOf(await first.closed()), 440)
  await eventually(() => sim.liveConnections(phoneNumber) === 1)
  await second.end()
})

test('failNextSends nacks the next sends; the client marks them ERROR', async () => {
  const { client, phoneNumber } = await openClient()
  sim.failNextSends(phoneNumber, 1, 479)
  // the nack lands in messages.update, or is folded into the buffered upsert of the sent message
  const errored = new Promise<unknown[]>(resolve => {
    client.sock.ev.on('messages.update', us =>
      us.forEach(u => u.update.status === proto.WebMessageInfo.Status.ERROR && resolve(u.update.messageStubParameters ?? []))
    )
    client.sock.ev.on('messages.upsert', ({ messages }) =>
      messages.forEach(m => m.status === proto.WebMessageInfo.Status.ERROR && resolve(m.messageStubParameters ?? []))
    )
  })
  await client.sock.sendMessage(CONTACT_JID, { text: 'doomed' })
  assert.deepEqual(await errored, ['479'])
  const ok = await client.sock.sendMessage(CONTACT_JID, { text: 'fine' })
  await sim.waitForMessage(m => m.id === ok?.key.id)
  await client.end()
})

test('silenced usync stalls a send for the query timeout, then the message reaches nobody', async () => {
  const { client } = await openClient({ defaultQueryTimeoutMs: 300 })
  sim.silence('usync', true)
  try {
    const started = Date.now()
    const sent = await client.sock.sendMessage('15559990001@s.whatsapp.net', { text: 'lost' })
    assert.ok(Date.now() - started >= 300)
    // Baileys treats the timed-out device query as "no devices" and sends to no one
    assert.ok(!sim.received().some(m => m.id === sent?.key.id))
  } finally {
    sim.silence('usync', false)
  }
  await client.end()
})

test('delayMs slows every answer down', async () => {
  const { client } = await openClient()
  sim.delayMs = 150
  try {
    const started = Date.now()
    const sent = await client.sock.sendMessage('15559990002@s.whatsapp.net', { text: 'slow' })
    await client.status(sent!.key.id!, proto.WebMessageInfo.Status.DELIVERY_ACK)
    // usync, key fetch and the receipt each waited
    assert.ok(Date.now() - started >= 300)
  } finally {
    sim.delayMs = 0
  }
  await client.end()
})

test('messages sent to an offline account arrive on its next login', async () => {
  const { phoneNumber, creds } = sim.provision()
  const keys = makeMemoryKeyStore()
  const first = connectClient(sim, { creds, keys })
  await first.next('connection.update', u => u.connection === 'open')
  await first.end()
  await sim.sendText(phoneNumber, '15557770001', 'while you were away')
  const again = connectClient(sim, { creds, keys })
  const { messages } = await again.next('messages.upsert', ({ messages }) =>
    messages.some(m => m.message?.conversation === 'while you were away')
  )
  assert.equal(messages[0]?.key.remoteJid, '15557770001@s.whatsapp.net')
  await again.end()
})
