import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import type { Simulator } from '../../sim/index.js'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession } from '../support/pairing.js'
import { startS3Server, S3_TEST_CREDENTIALS } from '../support/s3-server.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { WebhookReceiver } from '../support/webhook-receiver.js'

const ADMIN_KEY = 'kept-media-admin-key-0123456789abcdef'
const CONTACT = '15559994242'
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(4096)])
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(2048)])
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), randomBytes(2048)])
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/** A server keeping received images and documents, a paired session, and a receiver of its message.received events. */
async function keepingServer(sim: Simulator, phone: string, env: Record<string, string>) {
  const receiver = await WebhookReceiver.start()
  const dataDir = tempDir()
  const server = await startServerProcess({
    ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: dataDir, ALLOW_PRIVATE_URLS: 'true', MEDIA_AUTO_DOWNLOAD: 'image,document',
    WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: 'kept-media-webhook-secret-0123', WEBHOOK_EVENTS: 'message.received', ...env,
  })
  after(() => server.stop())
  const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
  await createPairedSession(admin, sim, 'desk', phone)
  const received = (id: string) => waitFor(() => receiver.uniqueEvents().find((event) => event.data.id === id), { what: `the event of ${id}`, timeoutMs: 30_000 })
  return { server, admin, dataDir, received }
}

const download = async (server: ServerProcess, path: string): Promise<Response> => fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })

describe('received media kept as they arrive (MEDIA_AUTO_DOWNLOAD)', async () => {
  const sim = await startSim()

  it('keeps images and documents under DATA_DIR: the event links to the server\'s media route and names the hash; served without WhatsApp', async () => {
    const { server, admin, dataDir, received } = await keepingServer(sim, '15550009001', {})
    const image = await sim.sendMedia('15550009001', CONTACT, { kind: 'image', data: PNG, mimetype: 'image/png', caption: 'kept' })
    const event = await received(image.id)
    assert.deepEqual([event.data.media.stored, event.data.media.url, event.data.media.sha256], [true, `/api/sessions/desk/messages/${image.id}/media`, sha256(PNG)])
    const video = await sim.sendMedia('15550009001', CONTACT, { kind: 'video', data: MP4, mimetype: 'video/mp4' })
    const videoEvent = await received(video.id)
    assert.equal('stored' in videoEvent.data.media, false, 'a kind not listed is not kept')

    assert.equal((await admin.post('/api/sessions/desk/stop')).status, 200)
    const served = await download(server, event.data.media.url)
    assert.equal(served.status, 200)
    assert.ok(Buffer.from(await served.arrayBuffer()).equals(PNG), 'the kept file, with the session stopped')
    assert.ok(existsSync(join(dataDir, 'media', 'desk')))
    assert.equal((await admin.delete('/api/sessions/desk')).status, 200)
    await waitFor(() => !existsSync(join(dataDir, 'media', 'desk')), { what: 'the deleted session\'s files gone' })
  })

  it('keeps them in an S3 bucket: a presigned link in the event; a storage outage sends the event anyway, marked not stored', async () => {
    const bucket = `wa-media-${randomBytes(3).toString('hex')}`
    const s3 = await startS3Server(bucket)
    const { received } = await keepingServer(sim, '15550009002', {
      MEDIA_STORAGE: 's3', S3_ENDPOINT: s3.endpoint, S3_REGION: 'us-east-1', S3_BUCKET: bucket, S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId, S3_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey, MEDIA_URL_TTL_SECONDS: '600',
    })
    const document = await sim.sendMedia('15550009002', CONTACT, { kind: 'document', data: PDF, mimetype: 'application/pdf', fileName: 'invoice.pdf' })
    const event = await received(document.id)
    assert.equal(event.data.media.stored, true)
    assert.equal(event.data.media.sha256, sha256(PDF))
    const link = new URL(event.data.media.url)
    assert.equal(link.origin, s3.endpoint)
    assert.equal(link.searchParams.get('X-Amz-Expires'), '600')
    const fetched = await fetch(link)
    assert.equal(fetched.status, 200)
    assert.ok(Buffer.from(await fetched.arrayBuffer()).equals(PDF), 'the presigned link serves the file')
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_TEST_CREDENTIALS })
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `desk/${document.id}` }))
    assert.deepEqual([head.ContentLength, head.ContentType], [PDF.length, 'application/pdf'])

    await s3.close()
    const during = await sim.sendMedia('15550009002', CONTACT, { kind: 'image', data: PNG, mimetype: 'image/png' })
    const outage = await received(during.id)
    assert.deepEqual([outage.data.media.stored, outage.data.media.url, outage.data.media.sha256], [false, null, null])
  })
})
