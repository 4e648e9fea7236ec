import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startSimulator, type Simulator } from '../index.js'
import { makeMemoryKeyStore } from '../memory-keys.js'
import { connectClient, statusCodeOf } from './client.js'

let sim: Simulator
before(async () => {
  sim = await startSimulator()
})
after(() => sim.close())

test('pairing code: requestPairingCode, the phone enters it, 515 restart, then open', async () => {
  const keys = makeMemoryKeyStore()
  const first = connectClient(sim, { keys })
  await first.next('connection.update', u => !!u.qr)
  const code = await first.sock.requestPairingCode('15550003333')
  assert.match(code, /^[0-9A-Z]{8}$/)

  const paired = await sim.pairWithCode('15550003333', `${code.slice(0, 4)}-${code.slice(4)}`)
  assert.equal(paired.phoneNumber, '15550003333')
  assert.equal(statusCodeOf(await first.closed()), 515)
  assert.equal(first.creds.me?.id, paired.jid)
  assert.equal(first.creds.registered, true)

  const second = connectClient(sim, { creds: first.creds, keys })
  await second.next('connection.update', u => u.connection === 'open')
  assert.equal(sim.liveConnections('15550003333'), 1)
  await second.end()
})

test('a wrong code is refused and the client stays unpaired', async () => {
  const client = connectClient(sim)
  await client.next('connection.update', u => !!u.qr)
  const code = await client.sock.requestPairingCode('15550004444')
  const wrong = code.startsWith('A') ? 'B' + code.slice(1) : 'A' + code.slice(1)
  await assert.rejects(sim.pairWithCode('15550004444', wrong), /wrong pairing code/)
  assert.equal(sim.liveConnections('15550004444'), 0)
  await client.end()
})

test('pairWithCode for a number nobody asked for fails clearly after a short wait', async () => {
  await assert.rejects(sim.pairWithCode('15550005555', 'ABCDEFGH', { timeoutMs: 100 }), /no client is waiting/)
})
