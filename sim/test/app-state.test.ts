import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Simulator } from '../index.js'
import { eventually, simWithLinkedClient, type TestClient } from './client.js'

const CONTACT = '15559994444'
const CONTACT_JID = `${CONTACT}@s.whatsapp.net`
let sim: Simulator
let client: TestClient
let phoneNumber: string
let close: () => Promise<void>

before(async () => {
  ;({ sim, client, phoneNumber, close } = await simWithLinkedClient())
  // the phone's key share comes with the history sync, right after the first login
  await eventually(() => Boolean(client.sock.authState.creds.myAppStateKeyId), 10_000)
})
after(() => close())

const lastMessages = [{ key: { remoteJid: CONTACT_JID, id: 'LAST1', fromMe: false }, messageTimestamp: Math.floor(Date.now() / 1000) }]

test('a device pushes chat changes as app-state patches the phone can decrypt and verify', async () => {
  await client.sock.chatModify({ archive: true, lastMessages }, CONTACT_JID)
  await client.sock.chatModify({ pin: true }, CONTACT_JID)
  await client.sock.chatModify({ mute: 8 * 3600_000 + Date.now() }, CONTACT_JID)
  const pushes = sim.appStatePushes(phoneNumber)
  assert.deepEqual(pushes.map(p => [p.collection, p.index]), [
    ['regular_low', ['archive', CONTACT_JID]],
    ['regular_low', ['pin_v1', CONTACT_JID]],
    ['regular_high', ['mute', CONTACT_JID]]
  ])
  assert.equal(pushes[0]!.action.archiveChatAction?.archived, true)
  assert.equal(pushes[1]!.action.pinAction?.pinned, true)
  assert.equal(pushes[2]!.action.muteAction?.muted, true)
})

test('a change made on the phone reaches the device as a patch it decrypts (chats.update)', async () => {
  const updated = client.next('chats.update', updates => updates.some(u => u.id === CONTACT_JID && u.archived === false), 5_000)
  await sim.phoneChatAction(phoneNumber, { archive: false, lastMessages }, CONTACT_JID)
  await updated
  const starred = client.next('messages.update', updates => updates.some(u => u.key.id === 'LAST1' && u.update.starred === true), 5_000)
  await sim.phoneChatAction(phoneNumber, { star: { messages: [{ id: 'LAST1', fromMe: false }], star: true } }, CONTACT_JID)
  await starred
})

test('the device and the phone stay in step: versions continue after both wrote', async () => {
  await client.sock.chatModify({ pin: false }, CONTACT_JID)
  const last = sim.appStatePushes(phoneNumber).at(-1)!
  assert.deepEqual(last.index, ['pin_v1', CONTACT_JID])
  assert.equal(last.action.pinAction?.pinned, false)
})
