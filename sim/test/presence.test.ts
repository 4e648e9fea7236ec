import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Simulator } from '../index.js'
import { simWithLinkedClient, type TestClient } from './client.js'

const CONTACT = '15559993333'
const CONTACT_JID = `${CONTACT}@s.whatsapp.net`
let sim: Simulator
let client: TestClient
let phoneNumber: string
let close: () => Promise<void>

before(async () => ({ sim, client, phoneNumber, close } = await simWithLinkedClient()))
after(() => close())

test('records read receipts with every id, typing and the client\'s own presence', async () => {
  const ids = ['A1', 'A2', 'A3']
  await client.sock.readMessages(ids.map(id => ({ remoteJid: CONTACT_JID, id, fromMe: false })))
  const read = await sim.waitForSignal(signal => signal.kind === 'read')
  // the sim's privacy settings send read receipts to everyone
  assert.deepEqual(read, { kind: 'read', from: phoneNumber, to: CONTACT_JID, participant: null, ids, type: 'read' })

  await client.sock.sendPresenceUpdate('recording', CONTACT_JID)
  await sim.waitForSignal(signal => signal.kind === 'chatstate' && signal.state === 'recording' && signal.to === CONTACT_JID)
  await client.sock.sendPresenceUpdate('paused', CONTACT_JID)
  await sim.waitForSignal(signal => signal.kind === 'chatstate' && signal.state === 'paused')
  assert.ok(sim.clientSignals(phoneNumber).length >= 3)
  assert.deepEqual(sim.clientSignals('15550000000'), [])
})

test('the phone\'s history carries its profile name, which presence updates then carry', async () => {
  await client.next('creds.update', update => Boolean(update.me?.name), 10_000).catch(() => undefined)
  assert.equal(client.sock.authState.creds.me?.name, `User ${phoneNumber.slice(-4)}`)
  await client.sock.sendPresenceUpdate('available')
  const online = await sim.waitForSignal(signal => signal.kind === 'presence' && signal.state === 'available')
  assert.equal(online.kind === 'presence' && online.name, `User ${phoneNumber.slice(-4)}`)
})

test('a subscription is answered with the contact\'s presence, and changes follow; typing needs none', async () => {
  sim.setContactPresence(CONTACT, { online: true })
  const first = client.next('presence.update', update => update.id === CONTACT_JID)
  await client.sock.presenceSubscribe(CONTACT_JID)
  assert.equal((await first).presences[CONTACT_JID]?.lastKnownPresence, 'available')
  await sim.waitForSignal(signal => signal.kind === 'subscribe' && signal.to === CONTACT_JID)

  const lastSeen = Date.UTC(2026, 10, 30, 8, 0)
  const offline = client.next('presence.update', update => update.presences[CONTACT_JID]?.lastKnownPresence === 'unavailable')
  sim.setContactPresence(CONTACT, { online: false, lastSeen })
  assert.equal((await offline).presences[CONTACT_JID]?.lastSeen, lastSeen / 1000)

  const typing = client.next('presence.update', update => update.presences[CONTACT_JID]?.lastKnownPresence === 'composing')
  sim.sendChatState(phoneNumber, CONTACT, 'composing')
  await typing
})
