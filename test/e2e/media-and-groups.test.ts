import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { ApiClient } from '../support/api-client.js'
import { startHttpsFileServer } from '../support/https-file-server.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef'
const PHONE = '15550005555'
const CONTACT = '15559993333'
const OTHER = '15559994444'
const NOBODY = '15559990001'

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2048)])
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(4096)])
const OGG = Buffer.concat([Buffer.from('OggS'), randomBytes(1024)])

describe('media, groups and number checks against the protocol simulator (real server process)', async () => {
  const sim = await startSim({ notOnWhatsApp: [NOBODY] })
  const files = await startHttpsFileServer({ '/report.pdf': { data: PDF, contentType: 'application/pdf' } })
  const env = { ...simEnv(sim, [files.caPem]), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir(), ALLOW_PRIVATE_URLS: 'true' }
  let server: ServerProcess
  let client: ApiClient
  const send = (body: Record<string, unknown>) => client.post('/api/messages/send', { deviceId: 'shop', number: CONTACT, ...body })

  before(async () => {
    server = await startServerProcess(env)
    const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    client = admin.withKey(await createPairedSession(admin, sim, 'shop', PHONE))
  })
  after(() => server.stop())

  it('sends an image from base64 and a document from an https URL; the recipient decrypts identical bytes', async () => {
    const image = await send({ image: { base64: PNG.toString('base64'), caption: 'a picture' } })
    assert.equal(image.status, 200, JSON.stringify(image.body))
    const gotImage = await sim.waitForMessage((m) => m.id === image.body.messageId, 10_000)
    assert.equal(gotImage.message.imageMessage?.caption, 'a picture')
    assert.equal(gotImage.media?.mimetype, 'image/png')
    assert.ok(gotImage.media?.data.equals(PNG), 'image bytes differ')

    const document = await send({ document: { url: `${files.origin}/report.pdf`, fileName: 'report.pdf' } })
    assert.equal(document.status, 200, JSON.stringify(document.body))
    const gotDocument = await sim.waitForMessage((m) => m.id === document.body.messageId, 10_000)
    assert.equal(gotDocument.message.documentMessage?.fileName, 'report.pdf')
    assert.ok(gotDocument.media?.data.equals(PDF), 'document bytes differ')
  })

  it('sends an uploaded voice note', async () => {
    const form = new FormData()
    form.set('deviceId', 'shop')
    form.set('number', CONTACT)
    form.set('voice', 'true')
    form.set('file', new Blob([OGG], { type: 'audio/ogg; codecs=opus' }), 'note.ogg')
    const response = await fetch(`${server.baseUrl}/api/messages/send-file`, { method: 'POST', body: form, headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    const body = (await response.json()) as { messageId: string; type: string }
    assert.equal(response.status, 200, JSON.stringify(body))
    assert.equal(body.type, 'audio')
    const got = await sim.waitForMessage((m) => m.id === body.messageId, 10_000)
    assert.equal(got.message.audioMessage?.ptt, true)
    assert.ok(got.media?.data.equals(OGG), 'audio bytes differ')
  })

  it('receives media: metadata in the inbox and the identical file from the download route', async () => {
    const sent = await sim.sendMedia(PHONE, CONTACT, { kind: 'document', data: PDF, mimetype: 'application/pdf', fileName: 'invoice.pdf', caption: 'your invoice' })
    const stored = await waitFor(async () => {
      const { messages } = (await client.get(`/api/sessions/shop/chats/${CONTACT}/messages`)).body as { messages: Array<Record<string, any>> }
      return messages.find((m) => m.id === sent.id)
    }, { what: 'stored inbound document' })
    assert.equal(stored.type, 'document')
    assert.equal(stored.text, 'your invoice')
    assert.deepEqual([stored.media.mimetype, stored.media.fileName, stored.media.size], ['application/pdf', 'invoice.pdf', PDF.length])
    const download = await fetch(`${server.baseUrl}/api/sessions/shop/messages/${sent.id}/media`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    assert.equal(download.status, 200)
    assert.equal(download.headers.get('content-type'), 'application/pdf')
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(PDF), 'downloaded bytes differ')

    // WhatsApp's link expires: the phone is asked to upload the file again, and the download still works, twice.
    sim.expireMedia(sent.directPath)
    for (let attempt = 0; attempt < 2; attempt++) {
      const again = await fetch(`${server.baseUrl}/api/sessions/shop/messages/${sent.id}/media`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
      assert.equal(again.status, 200, await again.clone().text())
      assert.ok(Buffer.from(await again.arrayBuffer()).equals(PDF), 'bytes differ after the re-upload')
    }
  })

  it('lists groups with names and sizes, sends to a group, and receives from one', async () => {
    const group = sim.createGroup({ subject: 'Support team', participants: [PHONE, CONTACT, OTHER], description: 'Shift chat' })
    const groups = await client.get('/api/sessions/shop/groups')
    assert.equal(groups.status, 200, JSON.stringify(groups.body))
    const listed = (groups.body.groups as Array<Record<string, unknown>>).find((g) => g.jid === group.jid)
    assert.deepEqual([listed?.name, listed?.size, listed?.description], ['Support team', 3, 'Shift chat'])

    const sent = await send({ number: group.jid, message: 'hello team' })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    assert.equal(sent.body.to, group.jid)
    const got = await sim.waitForMessage((m) => m.id === sent.body.messageId, 10_000)
    assert.equal(got.text, 'hello team')
    assert.equal(got.group, group.jid)
    assert.ok(got.decryptedBy?.includes(CONTACT) && got.decryptedBy.includes(OTHER), `decrypted by ${got.decryptedBy?.join(', ')}`)

    const inbound = await sim.sendGroupMessage(group.jid, OTHER, { conversation: 'hi from the group' })
    const stored = await waitFor(async () => {
      const { messages } = (await client.get(`/api/sessions/shop/chats/${group.jid}/messages`)).body as { messages: Array<Record<string, any>> }
      return messages.find((m) => m.id === inbound.id)
    }, { what: 'stored group message' })
    assert.equal(stored.isGroup, true)
    assert.equal(stored.chat, group.jid)
    assert.equal(stored.sender.phoneNumber, OTHER)
    assert.equal(stored.text, 'hi from the group')
  })

  it('checks which numbers are on WhatsApp', async () => {
    const response = await client.post('/api/sessions/shop/check-numbers', { numbers: [`+${CONTACT}`, NOBODY] })
    assert.equal(response.status, 200, JSON.stringify(response.body))
    assert.deepEqual(response.body.results, [
      { number: `+${CONTACT}`, jid: `${CONTACT}@s.whatsapp.net`, exists: true },
      { number: NOBODY, jid: `${NOBODY}@s.whatsapp.net`, exists: false },
    ])
    const refused = await send({ number: NOBODY, message: 'is anyone there?' })
    assert.equal(refused.status, 502)
    assert.match(refused.body.error, /not on WhatsApp/)
    assert.equal((await client.get(`/api/messages/${refused.body.messageId}`)).body.status, 'failed')
  })
})
