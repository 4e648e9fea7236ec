import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startSimulator, type Simulator } from '../index.js'
import { makeMemoryKeyStore } from '../memory-keys.js'
import { connectClient, eventually } from './client.js'

let sim: Simulator
before(async () => {
  sim = await startSimulator()
})
after(() => sim.close())

test('a client with linked credentials logs in and reaches open', async () => {
  const { phoneNumber, creds } = sim.provision()
  const client = connectClient(sim, { creds })
  await client.next('connection.update', u => u.connection === 'open')
  assert.equal(sim.liveConnections(phoneNumber), 1)
  assert.ok(creds.me?.lid, 'success carries the LID')
  assert.ok(creds.nextPreKeyId > 800, 'client uploaded its initial pre-keys')
  await client.end()
  await eventually(() => sim.liveConnections(phoneNumber) === 0)
  assert.deepEqual(
    sim.connectionLog().map(e => e.event),
    ['open', 'login', 'close']
  )
})

test('a device provisioned with pre-keys logs in without uploading any, and a contact opens a session on the first', async () => {
  const { phoneNumber, creds, preKeys } = sim.provision(undefined, { preKeys: 10 })
  assert.deepEqual(preKeys.map(k => k.keyId), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  assert.equal(creds.nextPreKeyId, 11)
  const keys = makeMemoryKeyStore()
  await keys.set({ 'pre-key': Object.fromEntries(preKeys.map(k => [String(k.keyId), k.keyPair])) })
  const client = connectClient(sim, { creds, keys })
  await client.next('connection.update', u => u.connection === 'open')
  const upsert = client.next('messages.upsert', ({ messages }) => messages.some(m => m.message?.conversation === 'first contact'))
  await sim.sendText(phoneNumber, '15553330000', 'first contact')
  await upsert
  assert.equal(creds.nextPreKeyId, 11, 'no pre-keys were uploaded')
  await client.end()
})
