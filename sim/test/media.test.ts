import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { downloadMediaMessage, type WAMessage } from '@whiskeysockets/baileys'
import pino from 'pino'
import type { Simulator } from '../index.js'
import { simWithLinkedClient, mediaDownloadOptions, type TestClient } from './client.js'

const CONTACT = '15554440000'
let sim: Simulator
let client: TestClient
let phoneNumber: string
let close: () => Promise<void>

before(async () => ({ sim, client, phoneNumber, close } = await simWithLinkedClient()))
after(() => close())

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

async function receiveExpiredImage(data: Buffer): Promise<WAMessage> {
  let directPath = ''
  const message = await receiveMedia(async () => {
    const sent = await sim.sendMedia(phoneNumber, CONTACT, { kind: 'image', data, mimetype: 'image/jpeg' })
    directPath = sent.directPath
    return sent
  })
  sim.expireMedia(directPath)
  return message
}

test('expired media from a contact: updateMediaMessage has the phone re-upload it, the new path downloads identical bytes', async () => {
  const data = randomBytes(12_345)
  const message = await receiveExpiredImage(data)
  const oldPath = message.message?.imageMessage?.directPath
  // updateMediaMessage builds the new url from the host of the last media_conn (default mmg.whatsapp.net)
  await client.sock.refreshMediaConn()
  const updated = await client.sock.updateMediaMessage(message)
  assert.notEqual(updated.message?.imageMessage?.directPath, oldPath)
  assert.ok((await downloadMediaMessage(updated, 'buffer', mediaDownloadOptions(sim))).equals(data))
})

test('expired media the client sent itself is re-uploaded by its own phone too', async () => {
  const data = randomBytes(8_000)
  const sent = await client.sock.sendMessage(`${CONTACT}@s.whatsapp.net`, { document: data, mimetype: 'application/pdf', fileName: 'a.pdf' })
  await sim.waitForMessage(m => m.id === sent?.key.id)
  sim.expireMedia(sent!.message!.documentMessage!.directPath!)
  await client.sock.refreshMediaConn()
  const updated = await client.sock.updateMediaMessage(sent!)
  assert.ok((await downloadMediaMessage(updated, 'buffer', mediaDownloadOptions(sim))).equals(data))
})

test('a re-upload request for a message the phone does not hold fails with 404 instead of hanging', async () => {
  const message = await receiveExpiredImage(randomBytes(100))
  const unknown = { ...message, key: { ...message.key, id: '3EB0UNKNOWN' } }
  await assert.rejects(client.sock.updateMediaMessage(unknown), (err: { output?: { statusCode?: number } }) => {
    assert.equal(err.output?.statusCode, 404)
    return true
  })
})

test("Baileys rc14's automatic reuploadRequest never runs: the 410 Boom carries output.statusCode, not the status it checks", async () => {
  const message = await receiveExpiredImage(randomBytes(1_000))
  let reuploads = 0
  const ctx = {
    logger: pino({ level: 'silent' }),
    reuploadRequest: (m: WAMessage) => {
      reuploads++
      return client.sock.updateMediaMessage(m)
    }
  }
  await assert.rejects(downloadMediaMessage(message, 'buffer', mediaDownloadOptions(sim), ctx), (err: { status?: number; output?: { statusCode?: number } }) => {
    assert.equal(err.output?.statusCode, 410)
    assert.equal(err.status, undefined)
    return true
  })
  assert.equal(reuploads, 0)
})
