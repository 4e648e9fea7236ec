import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { downloadMediaMessage, type WAMessage } from '@whiskeysockets/baileys'
import { startSimulator, type Simulator } from '../index.js'
import { connectClient, mediaDownloadOptions, type TestClient } from './client.js'

const CONTACT = '15554440000'
let sim: Simulator
let client: TestClient
let phoneNumber: string

before(async () => {
  sim = await startSimulator()
  const linked = sim.provision()
  phoneNumber = linked.phoneNumber
  client = connectClient(sim, { creds: linked.creds })
  await client.next('connection.update', u => u.connection === 'open')
})
after(async () => {
  await client.end()
  await sim.close()
})

test('a document the client sends is uploaded to the media host and decrypted by the contact', async () => {
  const data = randomBytes(50_000)
  const sent = await client.sock.sendMessage(`${CONTACT}@s.whatsapp.net`, {
    document: data,
    mimetype: 'application/pdf',
    fileName: 'report.pdf'
  })
  const received = await sim.waitForMessage(m => m.id === sent?.key.id)
  assert.ok(received.media, 'media was downloaded and decrypted')
  assert.ok(received.media.data.equals(data))
  assert.equal(received.media.mimetype, 'application/pdf')
  assert.equal(received.media.fileName, 'report.pdf')
})

test('an image with a caption arrives with identical bytes', async () => {
  const data = randomBytes(20_000)
  const sent = await client.sock.sendMessage(`${CONTACT}@s.whatsapp.net`, { image: data, mimetype: 'image/jpeg', caption: 'look' })
  const received = await sim.waitForMessage(m => m.id === sent?.key.id)
  assert.equal(received.text, 'look')
  assert.ok(received.media?.data.equals(data))
})

async function receiveMedia(send: () => Promise<{ id: string }>): Promise<WAMessage> {
  const upsert = client.next('messages.upsert', ({ messages }) => messages.some(m => !!m.message && m.key.fromMe === false))
  const { id } = await send()
  const { messages } = await upsert
  const message = messages.find(m => m.key.id === id)
  assert.ok(message)
  return message
}

test('a document from a contact downloads with identical bytes', async () => {
  const data = randomBytes(30_001)
  const message = await receiveMedia(() =>
    sim.sendMedia(phoneNumber, CONTACT, { kind: 'document', data, mimetype: 'text/csv', fileName: 'list.csv', caption: 'the list' })
  )
  assert.equal(message.message?.documentMessage?.fileName, 'list.csv')
  const downloaded = await downloadMediaMessage(message, 'buffer', mediaDownloadOptions(sim))
  assert.ok(downloaded.equals(data))
})

test('a voice note from a contact downloads too', async () => {
  const data = randomBytes(4_000)
  const message = await receiveMedia(() => sim.sendMedia(phoneNumber, CONTACT, { kind: 'audio', data, mimetype: 'audio/ogg; codecs=opus', voice: true }))
  assert.equal(message.message?.audioMessage?.ptt, true)
  assert.ok((await downloadMediaMessage(message, 'buffer', mediaDownloadOptions(sim))).equals(data))
})

test('expired media answers 410 Gone', async () => {
  let directPath = ''
  const message = await receiveMedia(async () => {
    const sent = await sim.sendMedia(phoneNumber, CONTACT, { kind: 'image', data: randomBytes(1_000), mimetype: 'image/jpeg' })
    directPath = sent.directPath
    return sent
  })
  sim.expireMedia(directPath)
  await assert.rejects(downloadMediaMessage(message, 'buffer', mediaDownloadOptions(sim)), (err: { output?: { statusCode?: number } }) => {
    assert.equal(err.output?.statusCode, 410)
    return true
  })
})
