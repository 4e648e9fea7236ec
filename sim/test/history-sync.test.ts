import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { AuthenticationCreds } from '@whiskeysockets/baileys'
import { startSimulator, type Simulator } from '../index.js'
import { makeMemoryKeyStore } from '../memory-keys.js'
import { connectClient, eventually, type TestClient } from './client.js'

// Test clients keep Baileys' default shouldSyncHistoryMessage, as the product does: on the first
// login Baileys holds back every event until the phone's history sync arrives (or 20 s pass).
const CONTACT = '15556660000'

let sim: Simulator
let phoneNumber: string
let creds: AuthenticationCreds
const keys = makeMemoryKeyStore()

before(async () => {
  sim = await startSimulator()
  const pairing = connectClient(sim, { keys })
  const { qr } = await pairing.next('connection.update', u => !!u.qr)
  phoneNumber = (await sim.scanQr(qr!)).phoneNumber
  await pairing.closed()
  creds = pairing.creds
})
after(() => sim.close())

async function login(): Promise<TestClient> {
  const client = connectClient(sim, { creds, keys })
  await client.next('connection.update', u => u.connection === 'open')
  return client
}

async function receiveText(client: TestClient, text: string, timeoutMs: number): Promise<void> {
  const upsert = client.next('messages.upsert', ({ messages }) => messages.some(m => m.message?.conversation === text), timeoutMs)
  await sim.sendText(phoneNumber, CONTACT, text)
  await upsert
}

test('the first login after pairing gets history from the phone: events flow at once and the account counts as synced', async () => {
  assert.equal(creds.accountSyncCounter, 0)
  const client = await login()
  // without the phone's history sync Baileys buffers every event for 20 s
  await receiveText(client, 'right after pairing', 2_000)
  await eventually(() => creds.accountSyncCounter >= 1, 2_000)
  assert.equal(creds.processedHistoryMessages.length, 2, 'bootstrap and recent chunk')
  await client.end()
})

test('a later login is not sent history again', async () => {
  const processed = creds.processedHistoryMessages.length
  const client = await login()
  // the phone would send history before answering the login's digest iq, so before 'open';
  // messages are processed in order, so history would be handled before this text
  await receiveText(client, 'next day', 2_000)
  assert.equal(creds.processedHistoryMessages.length, processed)
  assert.equal(creds.accountSyncCounter, 1)
  await client.end()
})

test('a provisioned device gets history on its first login too', async () => {
  const linked = sim.provision()
  const client = connectClient(sim, { creds: linked.creds })
  await client.next('connection.update', u => u.connection === 'open')
  await eventually(() => linked.creds.accountSyncCounter >= 1, 2_000)
  await client.end()
})
