import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { proto } from '@whiskeysockets/baileys'
import type { Simulator } from '../index.js'
import { simWithLinkedClient, type TestClient } from './client.js'

const CONTACT = '15559990000'
let sim: Simulator
let client: TestClient
let phoneNumber: string
let close: () => Promise<void>

before(async () => ({ sim, client, phoneNumber, close } = await simWithLinkedClient()))
after(() => close())

const Status = proto.WebMessageInfo.Status

test('an outbound text is decrypted by the contact, acked and marked delivered', async () => {
  const sent = await client.sock.sendMessage(`${CONTACT}@s.whatsapp.net`, { text: 'hi' })
  const delivered = client.status(sent!.key.id!, Status.DELIVERY_ACK)
  const received = await sim.waitForMessage(m => m.id === sent?.key.id)
  assert.equal(received.text, 'hi')
  assert.equal(received.from, phoneNumber)
  assert.equal(received.to, `${CONTACT}@s.whatsapp.net`)
  await delivered
})

test('a second message rides the established session and can be marked read', async () => {
  const sent = await client.sock.sendMessage(`${CONTACT}@s.whatsapp.net`, { text: 'second' })
  await sim.waitForMessage(m => m.id === sent?.key.id && m.text === 'second')
  const read = client.status(sent!.key.id!, Status.READ)
  await sim.sendReceipt(phoneNumber, sent!.key.id!, 'read')
  await read
})

test('inbound plaintext message reaches messages.upsert', async () => {
  const upsert = client.next('messages.upsert', ({ messages }) => messages.some(m => m.message?.conversation === 'plain hello'))
  const { id } = await sim.sendText(phoneNumber, '15558880000', 'plain hello', { encrypted: false })
  const { messages, type } = await upsert
  assert.equal(type, 'notify')
  assert.equal(messages[0]?.key.id, id)
  assert.equal(messages[0]?.key.remoteJid, '15558880000@s.whatsapp.net')
  assert.equal(messages[0]?.key.fromMe, false)
})

test('inbound Signal message from a new contact (pkmsg) is decrypted by the client', async () => {
  const upsert = client.next('messages.upsert', ({ messages }) => messages.some(m => m.message?.conversation === 'secret hello'))
  await sim.sendText(phoneNumber, '15557770000', 'secret hello')
  const { messages } = await upsert
  assert.equal(messages[0]?.key.remoteJid, '15557770000@s.whatsapp.net')
})

test('inbound Signal reply on the session the client started', async () => {
  const upsert = client.next('messages.upsert', ({ messages }) => messages.some(m => m.message?.conversation === 'reply'))
  await sim.sendText(phoneNumber, CONTACT, 'reply')
  await upsert
  // and the client can keep writing on that session afterwards
  const sent = await client.sock.sendMessage(`${CONTACT}@s.whatsapp.net`, { text: 'after reply' })
  await sim.waitForMessage(m => m.id === sent?.key.id && m.text === 'after reply')
})
