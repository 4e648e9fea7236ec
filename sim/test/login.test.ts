import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startSimulator, type Simulator } from '../index.js'
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
